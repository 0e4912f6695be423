import { newId } from "../../contract/ids";
import { strandedAttachments } from "../attachments/availability";
import { syncWorkspaces } from "../attachments/entries";
import { describeAttachments, presentStranded } from "../attachments/rules";
import { deleteAttachments, findAttachments, presentAttachment } from "../attachments/store";
import { insertAudit } from "../audit/store";
import { atLeast, requireRole, roleAt } from "../auth/principal";
import type { Db, Queryable } from "../db/db";
import { lockTenantSharing } from "../db/locks";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from "../errors";
import { findObject, objectKind, type SharedObject } from "../folders/objects";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { Scope } from "../scopes/store";
import { KIND_NAME, kindOf, type ScopeService } from "../scopes/service";
import * as store from "./store";
import { presentGrant, type GrantRow } from "./store";

export type GrantService = ReturnType<typeof createGrantService>;

/**
 * Grants share a tenant's or an organization's connection or folder with a scope at or below its
 * owner (SPEC §4). They are recorded in the grantee's audit trail, which includes the owner's.
 */
export function createGrantService(deps: { db: Db; scopes: ScopeService }) {
  const { db, scopes } = deps;

  const audit = (tx: Queryable, ctx: RequestContext, path: string[], tenantId: string, action: string, type: string, id: string, before?: unknown, after?: unknown) =>
    insertAudit(tx, { tenantId, scopePath: path, actorId: ctx.principal.actorId, action, targetType: type, targetId: id, before, after, requestId: ctx.requestId });

  /** The object and its owning scope, when the caller has a role there; else 404. */
  async function ownedObject(tx: Queryable, ctx: RequestContext, objectId: string): Promise<{ object: SharedObject; owner: Scope }> {
    const object = await findObject(tx, objectId);
    const owner = object ? await scopes.get(tx, object.scopeId) : undefined;
    if (!object || !owner || !roleAt(ctx.principal, owner.path)) throw new NotFoundError(objectKind(objectId));
    return { object, owner };
  }

  /** A grant the caller may see (a role at the grantee, which includes the owner's scope), else 404. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, forUpdate = false): Promise<{ row: GrantRow; grantee: Scope }> {
    const row = await store.findGrant(tx, id, forUpdate);
    const grantee = row ? await scopes.get(tx, row.grantee_id) : undefined;
    if (!row || !grantee || !roleAt(ctx.principal, grantee.path)) throw new NotFoundError("grant");
    return { row, grantee };
  }

  return {
    async create(ctx: RequestContext, input: { objectId: string; granteeId: string }) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const { object, owner } = await ownedObject(tx, ctx, input.objectId);
          requireRole(ctx.principal, owner.path, "operator", `this ${object.type}`);
          await lockTenantSharing(tx, owner.tenantId);
          // Deletes take the lock too: one that committed while this waited makes the object gone.
          if (!(await findObject(tx, object.id))) throw new NotFoundError(object.type);
          if (owner.kind === "workspace") {
            throw new UnprocessableError("not_shareable", `${object.type} ${object.id} belongs to workspace ${owner.id}; workspace-owned objects cannot be shared (create it in the organization or tenant to share it)`, [
              { field: "body.objectId", message: "owned by a workspace" },
            ]);
          }
          const grantee = await scopes.get(tx, input.granteeId);
          if (!grantee || !roleAt(ctx.principal, grantee.path)) throw new NotFoundError(`grantee ${KIND_NAME[kindOf(input.granteeId)]}`);
          if (!grantee.path.includes(owner.id)) {
            const allowed = owner.kind === "tenant" ? "the tenant itself, one of its organizations or one of their workspaces" : "the organization itself or one of its workspaces";
            throw new UnprocessableError("not_shareable", `a ${KIND_NAME[owner.kind]}-owned ${object.type} can be granted to ${allowed}; ${input.granteeId} is not`, [
              { field: "body.granteeId", message: `not within the owning ${KIND_NAME[owner.kind]}` },
            ]);
          }
          const existing = await store.findGrantOf(tx, object.id, grantee.id);
          if (existing) throw new ConflictError(`${object.type} ${object.id} is already granted to ${grantee.id} (grant ${existing.id})`, { grantId: existing.id });
          const row = await store.insertGrant(tx, { id: newId("grant"), tenantId: owner.tenantId, objectType: object.type, objectId: object.id, granteeId: grantee.id, actorId: ctx.principal.actorId });
          const shown = presentGrant(row);
          await audit(tx, ctx, grantee.path, owner.tenantId, "grant.create", "grant", row.id, undefined, shown);
          return shown;
        }),
      );
    },

    async read(ctx: RequestContext, id: string) {
      return presentGrant((await visible(db, ctx, id)).row);
    },

    async list(ctx: RequestContext, q: { objectId?: string; granteeId?: string; limit: number; afterId?: string }) {
      if (!q.objectId && !q.granteeId) {
        throw new ValidationError("pass objectId (the grants of a connection or folder) or granteeId (the grants to a scope)", [{ field: "querystring.objectId", message: "objectId or granteeId is required" }]);
      }
      if (q.objectId) await ownedObject(db, ctx, q.objectId);
      if (q.granteeId) {
        const grantee = await scopes.get(db, q.granteeId);
        if (!grantee || !roleAt(ctx.principal, grantee.path)) throw new NotFoundError("grantee");
      }
      return (await store.listGrants(db, q)).map(presentGrant);
    },

    /**
     * Revokes a grant. When attachments depend on it (their target would no longer be available
     * to their workspace) it is refused, listing them, unless `cascade`: then they are detached in
     * the same transaction, each audited.
     */
    async remove(ctx: RequestContext, id: string, opts: { cascade: boolean }) {
      return db.transaction(async (tx) => {
        const { row: peek, grantee } = await visible(tx, ctx, id);
        const object = await findObject(tx, (peek.connection_id ?? peek.folder_id) as string);
        const owner = object ? await scopes.get(tx, object.scopeId) : undefined;
        const role = owner ? roleAt(ctx.principal, owner.path) : undefined;
        if (!owner || !atLeast(role, "operator")) {
          throw new ForbiddenError(`revoking this grant needs the operator role on ${owner?.id ?? "the scope"} that owns what it shares; you are ${role ?? "not a member there"}`);
        }
        await lockTenantSharing(tx, peek.tenant_id);
        const row = await store.findGrant(tx, id, true);
        if (!row) throw new NotFoundError("grant");
        checkVersion("this grant", row.version, ctx.ifMatch);
        // what this grant covers: the connection, or the folder and everything below it
        const under = row.connection_id ? { objectIds: [row.connection_id] } : { folderId: row.folder_id };
        const strandedBefore = new Set((await strandedAttachments(tx, row.tenant_id, { under })).map((s) => s.attachment_id));
        const dependent = (await strandedAttachments(tx, row.tenant_id, { under, ignoringGrantId: id })).filter((s) => !strandedBefore.has(s.attachment_id));
        if (dependent.length > 0 && !opts.cascade) {
          throw new ConflictError(
            `${dependent.length} attachment(s) depend on this grant: ${describeAttachments(dependent)}; detach them first, or pass cascade=true to detach them with the grant`,
            { attachments: presentStranded(dependent) },
          );
        }
        const detached = await findAttachments(tx, dependent.map((d) => d.attachment_id));
        for (const a of detached) {
          const ws = await scopes.get(tx, a.workspace_id);
          await audit(tx, ctx, ws?.path ?? [a.workspace_id], row.tenant_id, "attachment.delete", "attachment", a.id, presentAttachment(a), { cascadeOfGrant: id });
        }
        await deleteAttachments(tx, detached.map((a) => a.id));
        await store.deleteGrant(tx, id);
        await syncWorkspaces(tx, detached.map((a) => a.workspace_id));
        await audit(tx, ctx, grantee.path, row.tenant_id, "grant.delete", "grant", id, presentGrant(row), { cascade: opts.cascade, detached: detached.map((a) => a.id) });
        return { grant: presentGrant(row), detached: detached.map(presentAttachment) };
      });
    },
  };
}
