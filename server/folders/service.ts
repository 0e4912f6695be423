import { newId } from "../../contract/ids";
import { syncConnections, workspacesSeeingMove } from "../attachments/entries";
import { assertNotStranded } from "../attachments/rules";
import { insertAudit } from "../audit/store";
import { requireRole, type Role } from "../auth/principal";
import type { Db, Queryable } from "../db/db";
import { lockTenantSharing } from "../db/locks";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { Scope } from "../scopes/store";
import type { ScopeService } from "../scopes/service";
import * as store from "./store";
import { presentFolder, type FolderRow } from "./store";

export type FolderService = ReturnType<typeof createFolderService>;

/** How many children a refused delete lists by name (the counts cover the rest). */
const LISTED_CHILDREN = 50;

function managedConflict(what: string, id: string, integrationId: string) {
  return new ConflictError(`${what} ${id} is managed by integration ${integrationId}; it is read-only here (change the integration instead)`, { integrationId, objectId: id });
}

export function createFolderService(deps: { db: Db; scopes: ScopeService }) {
  const { db, scopes } = deps;

  const audit = (tx: Queryable, ctx: RequestContext, scope: Scope, action: string, targetType: string, id: string, before?: unknown, after?: unknown) =>
    insertAudit(tx, { tenantId: scope.tenantId, scopePath: scope.path, actorId: ctx.principal.actorId, action, targetType, targetId: id, before, after, requestId: ctx.requestId });

  /** A folder the caller may see (a role at its scope or above), else 404. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, needed: Role, forUpdate = false): Promise<{ row: FolderRow; scope: Scope }> {
    const row = await store.findFolder(tx, id, forUpdate);
    const scope = row ? await scopes.get(tx, row.scope_id) : undefined;
    if (!row || !scope) throw new NotFoundError("folder");
    requireRole(ctx.principal, scope.path, needed, "this folder");
    return { row, scope };
  }

  /** The parent a folder may be placed under: a folder of the same scope that no integration manages. */
  async function checkParent(tx: Queryable, parentId: string | null | undefined, scopeId: string): Promise<void> {
    if (!parentId) return;
    // Held from here, as the insert's foreign key would hold it, but before the tree trigger's
    // lock: a move of the parent locks it first and the trigger's lock second, so taking them in
    // the other order deadlocks with it.
    const parent = await store.findFolder(tx, parentId, "key share");
    if (!parent || parent.scope_id !== scopeId) {
      throw new ValidationError("parentId must be a folder of the same scope", [{ field: "body.parentId", message: "no such folder in this scope" }]);
    }
    if (parent.managed_by) throw managedConflict("folder", parentId, parent.managed_by);
  }

  async function checkHandleFree(tx: Queryable, scopeId: string, parentId: string | null, handle: string | null, exceptId?: string): Promise<void> {
    if (!handle) return;
    const other = await store.findSiblingFolderByHandle(tx, scopeId, parentId, handle);
    if (other && other !== exceptId) throw new ConflictError(`handle "${handle}" is already used by folder ${other} beside it`, { field: "handle", folderId: other });
  }

  return {
    visible,

    async create(ctx: RequestContext, scopeId: string, input: { title: string; handle?: string; parentId?: string | null }) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const scope = await scopes.visible(tx, ctx, scopeId, "operator");
          await checkParent(tx, input.parentId, scope.id);
          await checkHandleFree(tx, scope.id, input.parentId ?? null, input.handle ?? null);
          const row = await store.insertFolder(tx, {
            id: newId("folder"),
            scopeId: scope.id,
            parentId: input.parentId ?? null,
            handle: input.handle ?? null,
            title: input.title,
            actorId: ctx.principal.actorId,
          });
          const shown = presentFolder(row);
          await audit(tx, ctx, scope, "folder.create", "folder", row.id, undefined, shown);
          return shown;
        }),
      );
    },

    async read(ctx: RequestContext, id: string) {
      return presentFolder((await visible(db, ctx, id, "viewer")).row);
    },

    async list(ctx: RequestContext, scopeId: string, q: { parentId?: string | null; limit: number; afterId?: string }) {
      const scope = await scopes.visible(db, ctx, scopeId, "viewer");
      return (await store.listFolders(db, { ...q, scopeId: scope.id })).map(presentFolder);
    },

    /** Renames and moves in one change (SPEC §2). A move may not make a cycle or strand an attachment. */
    async update(ctx: RequestContext, id: string, patch: { title?: string; handle?: string | null; parentId?: string | null }) {
      return db.transaction(async (tx) => {
        const { scope } = await visible(tx, ctx, id, "operator");
        const moving = patch.parentId !== undefined;
        // Moves change what workspaces see: serialise them with the tenant's other sharing changes.
        if (moving) await lockTenantSharing(tx, scope.tenantId);
        // Read again under the lock: a concurrent delete may have removed it since `visible`.
        const row = await store.findFolder(tx, id, true);
        if (!row) throw new NotFoundError("folder");
        checkVersion("this folder", row.version, ctx.ifMatch);
        if (row.managed_by) throw managedConflict("folder", id, row.managed_by);
        const parentId = patch.parentId !== undefined ? patch.parentId : row.parent_id;
        const moved = parentId !== row.parent_id;
        if (moved && parentId) {
          await checkParent(tx, parentId, row.scope_id);
          if (await store.isAtOrBelow(tx, parentId, id)) {
            throw new ConflictError(`moving folder ${id} under ${parentId} would create a cycle: ${parentId} is the folder itself or below it`, { field: "parentId" });
          }
        }
        const handle = patch.handle !== undefined ? patch.handle : row.handle;
        if (moved || handle !== row.handle) await checkHandleFree(tx, row.scope_id, parentId, handle, id);
        const updated = await store.updateFolder(tx, id, { parentId, handle, title: patch.title ?? row.title, actorId: ctx.principal.actorId, moved });
        if (moved) {
          await assertNotStranded(tx, scope.tenantId, { folderId: id });
          const seeing = await workspacesSeeingMove(tx, await store.folderAndAncestors(tx, row.parent_id), await store.folderAndAncestors(tx, parentId));
          await syncConnections(tx, { folderId: id }, seeing);
        }
        const before = presentFolder(row);
        const after = presentFolder(updated);
        await audit(tx, ctx, scope, moved ? "folder.move" : "folder.update", "folder", id, before, after);
        return after;
      });
    },

    /**
     * Deletes a folder. One with anything inside is refused unless `recursive`, which removes
     * everything below (folders, connections, and the grants and attachments on them) in this
     * one transaction, each audited. A dry run answers what would go.
     */
    async remove(ctx: RequestContext, id: string, opts: { recursive: boolean; dryRun: boolean }) {
      return db.transaction(async (tx) => {
        const { scope } = await visible(tx, ctx, id, "operator");
        await lockTenantSharing(tx, scope.tenantId);
        // Read again under the lock: a concurrent delete may have removed it since `visible`.
        const row = await store.findFolder(tx, id, true);
        if (!row) throw new NotFoundError("folder");
        if (!opts.dryRun) checkVersion("this folder", row.version, ctx.ifMatch);
        if (row.managed_by) throw managedConflict("folder", id, row.managed_by);
        const subtree = await store.folderSubtree(tx, id);
        const inside = subtree.filter((i) => i.depth > 0);
        const managed = inside.find((i) => i.managed_by);
        if (managed) throw managedConflict(managed.type, managed.id, managed.managed_by as string);
        const folderIds = subtree.filter((i) => i.type === "folder").map((i) => i.id);
        const connectionIds = subtree.filter((i) => i.type === "connection").map((i) => i.id);
        const all = [...folderIds, ...connectionIds];
        const grants = await store.grantsOn(tx, all);
        const attachments = await store.attachmentsOf(tx, all);
        const impact = {
          folder: presentFolder(row),
          needsRecursive: inside.length > 0,
          folders: folderIds,
          connections: connectionIds,
          grants: grants.map((g) => ({ id: g.id, objectId: g.object_id, granteeId: g.other_id })),
          attachments: attachments.map((a) => ({ id: a.id, objectId: a.object_id, workspaceId: a.other_id })),
        };
        if (opts.dryRun) return { dryRun: true, deleted: false, ...impact };
        if (inside.length > 0 && !opts.recursive) {
          const children = inside.filter((i) => i.depth === 1);
          throw new ConflictError(
            `folder ${id} is not empty: ${folderIds.length - 1} folder(s) and ${connectionIds.length} connection(s) below it, e.g. ${children
              .slice(0, 5)
              .map((c) => `${c.type} ${c.handle ?? c.title} (${c.id})`)
              .join(", ")}; move or delete them first, or pass recursive=true to delete everything below (dryRun=true shows what would go)`,
            {
              folders: folderIds.length - 1,
              connections: connectionIds.length,
              children: children.slice(0, LISTED_CHILDREN).map((c) => ({ type: c.type, id: c.id, handle: c.handle, title: c.title })),
            },
          );
        }
        const cause = { deletedWithFolder: id };
        for (const a of impact.attachments) await audit(tx, ctx, scope, "attachment.delete", "attachment", a.id, a, cause);
        for (const g of impact.grants) await audit(tx, ctx, scope, "grant.delete", "grant", g.id, g, cause);
        for (const c of subtree.filter((i) => i.type === "connection")) {
          await audit(tx, ctx, scope, "connection.delete", "connection", c.id, { id: c.id, handle: c.handle, title: c.title, folderId: c.parent_id }, cause);
        }
        for (const f of subtree.filter((i) => i.type === "folder" && i.id !== id)) {
          await audit(tx, ctx, scope, "folder.delete", "folder", f.id, { id: f.id, handle: f.handle, title: f.title, parentId: f.parent_id }, cause);
        }
        await audit(tx, ctx, scope, "folder.delete", "folder", id, impact.folder, { recursive: opts.recursive, ...impact, folder: undefined });
        // Schema entries of deleted connections go with them (foreign key cascade).
        await store.deleteSubtree(tx, folderIds, connectionIds);
        return { dryRun: false, deleted: true, ...impact };
      });
    },

    async tree(ctx: RequestContext, scopeId: string, q: { limit: number; after?: { depth: number; type: string; id: string } }) {
      const scope = await scopes.visible(db, ctx, scopeId, "viewer");
      return store.scopeTree(db, scope.id, q);
    },
  };
}
