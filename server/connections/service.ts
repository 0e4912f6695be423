import { handleCandidate, slugify } from "../../contract/handles";
import { newId } from "../../contract/ids";
import type { CreateConnectionBody, PatchConnectionBody } from "../../contract/api";
import type { Db, Queryable } from "../db/db";
import { sqlState } from "../db/db";
import { batchedReads, batchedWrites } from "../db/batch";
import { lockScopeHandles, lockTenantSharing } from "../db/locks";
import { insertAudit } from "../audit/store";
import { requireRole, scopesWithRole, type Role } from "../auth/principal";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { findFolder } from "../folders/store";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { Scope } from "../scopes/store";
import type { ScopeService } from "../scopes/service";
import type { EncryptedField, SecretBox } from "../secrets";
import { openConfig, redactConfig, sealConfig, validateForTest } from "./config";
import * as store from "./store";
import type { ConnectionRow } from "./store";
import type { AvailableConnectionRow } from "../attachments/availability";
import { testConfig } from "./tester";

/** What connections need from the sharing model (folders, grants, attachments). */
export interface ConnectionSharing {
  /** The workspaces whose schemas include the connection, and through which attachment. */
  usage(tx: Queryable, connectionId: string): Promise<ConnectionUsage[]>;
  /** Refuses (409) when a change (of that connection, if given) left an attachment of the tenant without the grant it needs. */
  assertAttachmentsAvailable(tx: Queryable, tenantId: string, connectionId?: string): Promise<void>;
  /** Refuses (409) a new handle that would collide with another schema in a workspace. */
  assertHandleFree(tx: Queryable, connectionId: string, handle: string): Promise<void>;
  /** After a connection was created in a folder or moved: updates the order of arrival in workspaces. */
  placed(tx: Queryable, connectionId: string): Promise<void>;
  /** A page of the connections available to a workspace (own or granted), each with why. */
  available(tx: Queryable, workspacePath: string[], q: { limit: number; after?: { handle: string; id: string }; plugin?: string; folderId?: string | null }): Promise<AvailableConnectionRow[]>;
}

export interface ConnectionUsage {
  workspaceId: string;
  state: string;
  attachmentId: string | null;
  folderId: string | null;
}

export function presentConnection(r: ConnectionRow) {
  return {
    id: r.id,
    handle: r.handle,
    title: r.title,
    description: r.description,
    plugin: r.plugin,
    config: redactConfig(r.plugin, { config: r.config, secrets: r.secrets }),
    scopeId: r.scope_id,
    folderId: r.folder_id,
    managedBy: r.managed_by,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

const MAX_DERIVED_HANDLE_ATTEMPTS = 5;

/** A derived handle was taken between choosing it and inserting (the create derives again). */
class DerivedHandleTaken extends ConflictError {
  constructor() {
    super("a concurrent create took the derived handle; retry");
  }
}

export function createConnectionService(deps: { db: Db; scopes: ScopeService; box: SecretBox; sharing: ConnectionSharing }) {
  const { db, scopes, box, sharing } = deps;

  const audit = (tx: Queryable, ctx: RequestContext, scope: Scope, action: string, id: string, before?: unknown, after?: unknown) =>
    insertAudit(tx, { tenantId: scope.tenantId, scopePath: scope.path, actorId: ctx.principal.actorId, action, targetType: "connection", targetId: id, before, after, requestId: ctx.requestId });

  /** A connection the caller may see (a role at its scope or above), else 404. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, needed: Role, forUpdate = false) {
    return allowed(ctx, await store.findConnectionWithScope(tx, id, forUpdate), needed);
  }

  function allowed(ctx: RequestContext, found: { row: ConnectionRow; scope: Scope } | undefined, needed: Role) {
    if (!found) throw new NotFoundError("connection");
    requireRole(ctx.principal, found.scope.path, needed, "this connection");
    return found;
  }

  /** Reads of single connections outside a transaction, batched per turn of the event loop. */
  const readOne = batchedReads((ids) => store.findConnectionsWithScope(db, ids));
  /** Direct creates (createDirect), batched the same way: one statement and one commit for those that arrive together. */
  const insertOne = batchedWrites((creates: readonly store.GatedInsert[]) => store.insertConnectionsIfAllowed(db, creates));

  async function checkFolder(tx: Queryable, folderId: string | null | undefined, scopeId: string) {
    if (!folderId) return;
    const folder = await findFolder(tx, folderId);
    if (!folder || folder.scope_id !== scopeId) {
      throw new ValidationError("folderId must be a folder of the connection's own scope", [{ field: "body.folderId", message: "no such folder in this scope" }]);
    }
    if (folder.managed_by) throw new ConflictError(`folder ${folderId} is managed by integration ${folder.managed_by}; it is read-only`, { integrationId: folder.managed_by });
  }

  /** An explicit handle is checked by the insert itself (insertConnectionAudited); a derived one is the first free. */
  async function chooseHandle(tx: Queryable, scopeId: string, input: { handle?: string; title?: string; plugin: string }): Promise<string> {
    if (input.handle) return input.handle;
    const base = slugify(input.title ?? input.plugin);
    await lockScopeHandles(tx, scopeId);
    const taken = await store.handlesLike(tx, scopeId, base);
    for (let n = 1; ; n++) {
      const candidate = handleCandidate(base, n);
      if (!taken.has(candidate)) return candidate;
    }
  }

  /**
   * What the answer and the audit record of a create show; the timestamps come from the row. Built
   * field by field (not presentConnection's answer without its timestamps): on Node.js 20 an object
   * rest or a spread followed by more properties takes V8's slow path, ~2–5 µs each, on every create.
   */
  function shownOnCreate(v: { id: string; scopeId: string; folderId: string | null; handle: string; title: string; description: string; plugin: string; config: Record<string, unknown>; secrets: Record<string, EncryptedField>; actorId: string }) {
    return {
      id: v.id,
      handle: v.handle,
      title: v.title,
      description: v.description,
      plugin: v.plugin,
      config: redactConfig(v.plugin, v),
      scopeId: v.scopeId,
      folderId: v.folderId,
      managedBy: null,
      version: 1,
      createdBy: v.actorId,
      updatedBy: v.actorId,
    } satisfies Omit<ReturnType<typeof presentConnection>, "createdAt" | "updatedAt">;
  }

  /**
   * The common create, an explicit handle without folder or Idempotency-Key, as one statement
   * (store.insertConnectionsIfAllowed, batched): the answers are those of the transaction in `create`, in
   * the same order (404 or 403 on the scope before 400 on the config, then 409 on the handle).
   */
  async function createDirect(ctx: RequestContext, scopeId: string, input: CreateConnectionBody, handle: string) {
    const id = newId("connection");
    let sealed: ReturnType<typeof sealConfig>;
    try {
      sealed = sealConfig(box, id, input.plugin, input.config);
    } catch (err) {
      // An invalid config to a scope the caller may not create in answers as the scope decides.
      await scopes.visible(db, ctx, scopeId, "operator");
      throw err;
    }
    const p = ctx.principal;
    const values = { id, scopeId, folderId: null, handle, title: input.title ?? handle, description: input.description ?? "", plugin: input.plugin, config: sealed.config, secrets: sealed.secrets, actorId: p.actorId };
    const found = await insertOne({ c: values, gate: { isAdmin: p.isAdmin, scopeIds: scopesWithRole(p, "operator") }, audit: { shown: shownOnCreate(values), requestId: ctx.requestId } });
    const scope = scopes.check(ctx, scopeId, found?.scope, "operator");
    if (found?.row) return presentConnection(found.row);
    const existing = await store.findConnectionByHandle(db, scope.id, handle);
    throw new ConflictError(`handle "${handle}" is already used by connection ${existing?.id} in this scope`, { field: "handle", connectionId: existing?.id });
  }

  return {
    visible,

    async create(ctx: RequestContext, scopeId: string, input: CreateConnectionBody) {
      if (input.handle && !input.folderId && !ctx.idempotency) return createDirect(ctx, scopeId, input, input.handle);
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) =>
            idempotent(tx, ctx, async () => {
              const scope = await scopes.visible(tx, ctx, scopeId, "operator");
              // Placing into a folder changes what workspaces attaching it see: take the sharing lock first.
              if (input.folderId) await lockTenantSharing(tx, scope.tenantId);
              await checkFolder(tx, input.folderId, scope.id);
              const id = newId("connection");
              const sealed = sealConfig(box, id, input.plugin, input.config);
              const handle = await chooseHandle(tx, scope.id, input);
              const values = {
                id,
                scopeId: scope.id,
                folderId: input.folderId ?? null,
                handle,
                title: input.title ?? handle,
                description: input.description ?? "",
                plugin: input.plugin,
                config: sealed.config,
                secrets: sealed.secrets,
                actorId: ctx.principal.actorId,
              };
              const row = await store.insertConnectionAudited(tx, values, { tenantId: scope.tenantId, scopePath: scope.path, shown: shownOnCreate(values), requestId: ctx.requestId });
              if (!row) {
                if (!input.handle) throw new DerivedHandleTaken();
                const existing = await store.findConnectionByHandle(tx, scope.id, handle);
                throw new ConflictError(`handle "${handle}" is already used by connection ${existing?.id} in this scope`, { field: "handle", connectionId: existing?.id });
              }
              if (row.folder_id) await sharing.placed(tx, row.id);
              return presentConnection(row);
            }),
          );
        } catch (err) {
          // Two creates derived the same handle at once: derive again.
          if (!input.handle && (err instanceof DerivedHandleTaken || sqlState(err) === "23505") && attempt < MAX_DERIVED_HANDLE_ATTEMPTS) continue;
          throw err;
        }
      }
    },

    async read(ctx: RequestContext, id: string) {
      return presentConnection(allowed(ctx, await readOne(id), "viewer").row);
    },

    /** A scope's own connections; for a workspace, every connection available to it, with why (SPEC §4). */
    async list(ctx: RequestContext, scopeId: string, q: { folderId?: string | null; plugin?: string; limit: number; afterHandle?: string }) {
      const scope = await scopes.visible(db, ctx, scopeId, "viewer");
      if (scope.kind === "workspace") {
        const [handle, id] = (q.afterHandle ?? "").split(" ");
        const rows = await sharing.available(db, scope.path, { ...q, after: q.afterHandle ? { handle, id: id ?? "" } : undefined });
        return rows.map((r) => ({ ...presentConnection(r), availableVia: r.available_via.map((v) => (v.via === "own" ? { via: v.via } : v)) }));
      }
      const rows = await store.listConnections(db, { ...q, scopeId: scope.id });
      return rows.map(presentConnection);
    },

    async update(ctx: RequestContext, id: string, patch: PatchConnectionBody) {
      return db.transaction(async (tx) => {
        // A move or rename changes what workspaces see. The tenant's sharing lock comes before the
        // row lock, the order of every other sharing change (which lock this row through foreign
        // keys while holding it): the other order deadlocks under concurrent requests.
        if (patch.folderId !== undefined || patch.handle !== undefined) await lockTenantSharing(tx, (await visible(tx, ctx, id, "operator")).scope.tenantId);
        const { row, scope } = await visible(tx, ctx, id, "operator", true);
        checkVersion("this connection", row.version, ctx.ifMatch);
        // What a sync sets (place, handle, title, config) is read-only for everyone else; the description is not.
        const synced = (["folderId", "handle", "title", "config"] as const).filter((f) => patch[f] !== undefined);
        if (row.managed_by && synced.length) {
          throw new ConflictError(`connection ${id} is managed by integration ${row.managed_by}: its ${synced.join(", ")} follow the integration (change the integration instead)`, { integrationId: row.managed_by, objectId: id, fields: synced });
        }
        const moved = patch.folderId !== undefined && patch.folderId !== row.folder_id;
        const renamed = patch.handle !== undefined && patch.handle !== row.handle;
        if (moved) await checkFolder(tx, patch.folderId, scope.id);
        if (renamed) {
          const existing = await store.findConnectionByHandle(tx, scope.id, patch.handle as string);
          if (existing) throw new ConflictError(`handle "${patch.handle}" is already used by connection ${existing.id} in this scope`, { field: "handle", connectionId: existing.id });
          await sharing.assertHandleFree(tx, id, patch.handle as string);
        }
        const sealed = patch.config !== undefined ? sealConfig(box, id, row.plugin, patch.config, { config: row.config, secrets: row.secrets }) : { config: row.config, secrets: row.secrets };
        const updated = await store.updateConnection(tx, id, {
          folderId: patch.folderId !== undefined ? patch.folderId : row.folder_id,
          handle: patch.handle ?? row.handle,
          title: patch.title ?? row.title,
          description: patch.description ?? row.description,
          config: sealed.config,
          secrets: sealed.secrets,
          actorId: ctx.principal.actorId,
          moved,
        });
        if (moved) {
          await sharing.assertAttachmentsAvailable(tx, scope.tenantId, id);
          await sharing.placed(tx, id);
        }
        const before = presentConnection(row);
        const after = presentConnection(updated);
        await audit(tx, ctx, scope, renamed ? "connection.rename" : moved ? "connection.move" : "connection.update", id, before, after);
        return after;
      });
    },

    /**
     * Deletes a connection and with it its schema in every workspace (SPEC §3.6). `confirm` must
     * repeat the handle; a dry run answers what would go without changing anything.
     */
    async remove(ctx: RequestContext, id: string, opts: { confirm?: string; dryRun: boolean }) {
      return db.transaction(async (tx) => {
        // The sharing lock before the row lock, as in update.
        await lockTenantSharing(tx, (await visible(tx, ctx, id, "operator")).scope.tenantId);
        const { row, scope } = await visible(tx, ctx, id, "operator", true);
        if (row.managed_by) throw new ConflictError(`connection ${id} is managed by integration ${row.managed_by}; delete or sync the integration instead`, { integrationId: row.managed_by });
        const usage = await sharing.usage(tx, id);
        const impact = { connection: presentConnection(row), workspaces: [...new Set(usage.map((u) => u.workspaceId))], usage };
        if (opts.dryRun) return { dryRun: true, deleted: false, ...impact };
        if (opts.confirm !== row.handle) {
          throw new ValidationError(`to delete this connection, pass confirm=${row.handle} (its handle); add dryRun=true to see what would be removed`, [{ field: "querystring.confirm", message: "must equal the connection's handle" }]);
        }
        checkVersion("this connection", row.version, ctx.ifMatch);
        await store.deleteConnection(tx, id);
        await audit(tx, ctx, scope, "connection.delete", id, impact.connection, { removedFromWorkspaces: impact.workspaces });
        return { dryRun: false, deleted: true, ...impact };
      });
    },

    async testNew(ctx: RequestContext, scopeId: string, plugin: string, config: Record<string, unknown>) {
      await scopes.visible(db, ctx, scopeId, "operator");
      const checked = validateForTest(plugin, config);
      if (!checked.ok) return { ok: false, contacted: false, message: checked.message };
      return testConfig(plugin, checked.config);
    },

    async testExisting(ctx: RequestContext, id: string) {
      const { row } = await visible(db, ctx, id, "editor");
      // Decrypt outside any transaction: the remote check may take seconds.
      return testConfig(row.plugin, openConfig(box, id, { config: row.config, secrets: row.secrets }));
    },
  };
}
