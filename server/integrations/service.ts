import type { HierarchySnapshot } from "../../contract/hierarchy";
import { newId } from "../../contract/ids";
import type { CreateIntegrationBody, IntegrationConfigInput, PatchIntegrationBody, SyncResult } from "../../contract/integrations";
import { insertAudit, insertAudits, type AuditEntry } from "../audit/store";
import { requireRole, type Role } from "../auth/principal";
import type { Db, Queryable } from "../db/db";
import { lockTenantSharing } from "../db/locks";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { attachmentsOf, deleteSubtree, findFolder, grantsOn } from "../folders/store";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { ScopeService } from "../scopes/service";
import type { Scope } from "../scopes/store";
import type { SecretBox } from "../secrets";
import * as store from "./store";
import type { IntegrationRow } from "./store";
import { runSync } from "./sync";
import { redactConfig, sealTemplate } from "./template";

export type IntegrationService = ReturnType<typeof createIntegrationService>;

export function presentIntegration(r: IntegrationRow) {
  const { connection, ...rest } = r.config;
  return {
    id: r.id,
    scopeId: r.scope_id,
    type: r.type,
    handle: r.handle,
    title: r.title,
    config: { ...rest, connection: { plugin: connection.plugin, config: redactConfig(connection.plugin, { config: connection.config, secrets: r.secrets }) } },
    parentFolderId: r.parent_folder_id,
    rootFolderId: r.root_folder_id,
    lastSync: r.last_sync,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
  };
}

/** A dry run does everything a sync does, then rolls it back: it answers exactly the plan, refusals included. */
class DryRunDone extends Error {
  constructor(readonly result: SyncResult) {
    super("dry run");
  }
}

export function createIntegrationService(deps: { db: Db; scopes: ScopeService; box: SecretBox }) {
  const { db, scopes, box } = deps;

  const entry = (ctx: RequestContext, scope: Scope, action: string, targetType: string, targetId: string, before?: unknown, after?: unknown): AuditEntry => ({
    tenantId: scope.tenantId,
    scopePath: scope.path,
    actorId: ctx.principal.actorId,
    action,
    targetType,
    targetId,
    before,
    after,
    requestId: ctx.requestId,
  });

  /** An integration the caller may see (a role at its scope or above), else 404. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, needed: Role, forUpdate = false): Promise<{ row: IntegrationRow; scope: Scope }> {
    const row = await store.findIntegration(tx, id, forUpdate);
    const scope = row ? await scopes.get(tx, row.scope_id) : undefined;
    if (!row || !scope) throw new NotFoundError("integration");
    requireRole(ctx.principal, scope.path, needed, "this integration");
    return { row, scope };
  }

  /** Takes the tenant's sharing lock, then the integration's row lock (the order of every sharing change). */
  async function locked(tx: Queryable, ctx: RequestContext, id: string) {
    await lockTenantSharing(tx, (await visible(tx, ctx, id, "owner")).scope.tenantId);
    return visible(tx, ctx, id, "owner", true);
  }

  function storedConfig(input: IntegrationConfigInput, plugin: string, plain: Record<string, unknown>) {
    return { ...input, connection: { plugin, config: plain } };
  }

  return {
    async create(ctx: RequestContext, scopeId: string, input: CreateIntegrationBody) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const scope = await scopes.visible(tx, ctx, scopeId, "owner");
          if (scope.kind === "workspace") {
            throw new ValidationError("integrations belong to a tenant or an organization, not a workspace", [{ field: "params.kind", message: "expected tenants or orgs" }]);
          }
          const parentId = input.parentFolderId ?? null;
          if (parentId) {
            const parent = await findFolder(tx, parentId, "key share");
            if (!parent || parent.scope_id !== scope.id) {
              throw new ValidationError("parentFolderId must be a folder of the integration's scope", [{ field: "body.parentFolderId", message: "no such folder in this scope" }]);
            }
            if (parent.managed_by) throw new ConflictError(`folder ${parentId} is managed by integration ${parent.managed_by}; it is read-only`, { integrationId: parent.managed_by });
          }
          const other = await store.findIntegrationByHandle(tx, scope.tenantId, input.handle);
          if (other) throw new ConflictError(`handle "${input.handle}" is already used by integration ${other} in this tenant`, { field: "handle", integrationId: other });
          const id = newId("integration");
          const plugin = input.config.connection.plugin ?? input.type;
          const sealed = sealTemplate(box, id, input.type, { plugin, config: input.config.connection.config });
          const rootFolderId = newId("folder");
          const title = input.title ?? input.handle;
          await store.insertRootFolder(tx, { id: rootFolderId, scopeId: scope.id, parentId, title, integrationId: id, actorId: ctx.principal.actorId });
          const row = await store.insertIntegration(tx, {
            id,
            tenantId: scope.tenantId,
            scopeId: scope.id,
            type: input.type,
            handle: input.handle,
            title,
            config: storedConfig(input.config, plugin, sealed.config),
            secrets: sealed.secrets,
            parentFolderId: parentId,
            rootFolderId,
            actorId: ctx.principal.actorId,
          });
          const shown = presentIntegration(row);
          await insertAudits(tx, [
            entry(ctx, scope, "folder.create", "folder", rootFolderId, undefined, { id: rootFolderId, title, parentId, managedBy: id }),
            entry(ctx, scope, "integration.create", "integration", id, undefined, shown),
          ]);
          return shown;
        }),
      );
    },

    async read(ctx: RequestContext, id: string) {
      return presentIntegration((await visible(db, ctx, id, "viewer")).row);
    },

    async list(ctx: RequestContext, scopeId: string, q: { limit: number; afterId?: string }) {
      const scope = await scopes.visible(db, ctx, scopeId, "viewer");
      return (await store.listIntegrations(db, { ...q, scopeId: scope.id })).map(presentIntegration);
    },

    /** Title and config; a new template applies from the next sync. */
    async update(ctx: RequestContext, id: string, patch: PatchIntegrationBody) {
      return db.transaction(async (tx) => {
        const { row, scope } = await locked(tx, ctx, id);
        checkVersion("this integration", row.version, ctx.ifMatch);
        let config: unknown = row.config;
        let secrets: unknown = row.secrets;
        if (patch.config) {
          const plugin = patch.config.connection.plugin ?? row.config.connection.plugin;
          const previous = plugin === row.config.connection.plugin ? { config: row.config.connection.config, secrets: row.secrets } : undefined;
          const sealed = sealTemplate(box, id, row.type, { plugin, config: patch.config.connection.config }, previous);
          config = storedConfig(patch.config, plugin, sealed.config);
          secrets = sealed.secrets;
        }
        const title = patch.title ?? row.title;
        const updated = await store.updateIntegration(tx, id, { title, config, secrets, actorId: ctx.principal.actorId });
        if (title !== row.title) await store.renameRootFolder(tx, row.root_folder_id, title, ctx.principal.actorId);
        const after = presentIntegration(updated);
        await insertAudit(tx, entry(ctx, scope, "integration.update", "integration", id, presentIntegration(row), after));
        return after;
      });
    },

    /** Reconciles the mirror with a snapshot, in one transaction; syncs of one integration queue on its row lock. */
    async sync(ctx: RequestContext, id: string, snapshot: HierarchySnapshot, opts: { dryRun: boolean; allowMassDelete: boolean }): Promise<SyncResult> {
      try {
        return await db.transaction(async (tx) => {
          const run = async () => {
            const { row, scope } = await locked(tx, ctx, id);
            return runSync(tx, box, ctx, row, scope, snapshot, opts);
          };
          if (opts.dryRun) throw new DryRunDone(await run());
          return idempotent(tx, ctx, run);
        });
      } catch (err) {
        if (err instanceof DryRunDone) return err.result;
        throw err;
      }
    },

    /** Deletes the integration and everything it manages (their schemas leave every workspace); a dry run lists what would go. */
    async remove(ctx: RequestContext, id: string, opts: { confirm?: string; dryRun: boolean }) {
      return db.transaction(async (tx) => {
        const { row, scope } = await locked(tx, ctx, id);
        const folders = (await store.managedFolders(tx, id)).map((f) => f.id);
        const connections = (await store.managedConnections(tx, id)).map((c) => c.id);
        const all = [...folders, ...connections];
        const grants = (await grantsOn(tx, all)).map((g) => ({ id: g.id, objectId: g.object_id, granteeId: g.other_id }));
        const attachments = (await attachmentsOf(tx, all)).map((a) => ({ id: a.id, objectId: a.object_id, workspaceId: a.other_id }));
        const { rows } = await tx.query<{ workspace_id: string }>("SELECT DISTINCT workspace_id FROM schema_entries WHERE connection_id = ANY($1::text[]) ORDER BY 1", [connections]);
        const workspaces = [...new Set([...rows.map((r) => r.workspace_id), ...attachments.map((a) => a.workspaceId)])].sort();
        const impact = { integration: presentIntegration(row), folders, connections, grants, attachments, workspaces };
        if (opts.dryRun) return { dryRun: true, deleted: false, ...impact };
        if (opts.confirm !== row.handle) {
          throw new ValidationError(`to delete this integration and everything it manages, pass confirm=${row.handle} (its handle); add dryRun=true to see what would be removed`, [
            { field: "querystring.confirm", message: "must equal the integration's handle" },
          ]);
        }
        checkVersion("this integration", row.version, ctx.ifMatch);
        const cause = { deletedWithIntegration: id };
        await insertAudits(tx, [
          ...attachments.map((a) => entry(ctx, scope, "attachment.delete", "attachment", a.id, a, cause)),
          ...grants.map((g) => entry(ctx, scope, "grant.delete", "grant", g.id, g, cause)),
          ...connections.map((c) => entry(ctx, scope, "connection.delete", "connection", c, { id: c, managedBy: id }, cause)),
          ...folders.map((f) => entry(ctx, scope, "folder.delete", "folder", f, { id: f, managedBy: id }, cause)),
          entry(ctx, scope, "integration.delete", "integration", id, impact.integration, { folders: folders.length, connections: connections.length, workspaces }),
        ]);
        // The integration names its root folder: it goes first. Schema entries go with their connections.
        await store.deleteIntegration(tx, id);
        await deleteSubtree(tx, folders, connections);
        return { dryRun: false, deleted: true, ...impact };
      });
    },
  };
}
