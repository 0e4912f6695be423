import { newId } from "../../contract/ids";
import { insertAudit } from "../audit/store";
import { requireRole, roleAt } from "../auth/principal";
import type { Db, Queryable } from "../db/db";
import { lockTenantSharing } from "../db/locks";
import { ConflictError, NotFoundError } from "../errors";
import { findObject, objectKind } from "../folders/objects";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { Scope } from "../scopes/store";
import type { ScopeService } from "../scopes/service";
import { isAvailable } from "./availability";
import { syncWorkspaces } from "./entries";
import { schemaHolder } from "./queries";
import { assertNoCollision } from "./rules";
import * as store from "./store";
import { presentAttachment, type AttachmentRow } from "./store";

export type AttachmentService = ReturnType<typeof createAttachmentService>;

/** Schema attachments (SPEC §5): a workspace's operators attach what is available to it. */
export function createAttachmentService(deps: { db: Db; scopes: ScopeService }) {
  const { db, scopes } = deps;

  const audit = (tx: Queryable, ctx: RequestContext, ws: Scope, action: string, id: string, before?: unknown, after?: unknown) =>
    insertAudit(tx, { tenantId: ws.tenantId, scopePath: ws.path, actorId: ctx.principal.actorId, action, targetType: "attachment", targetId: id, before, after, requestId: ctx.requestId });

  /** An attachment the caller may see (a role at its workspace or above), else 404. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, needed: "viewer" | "operator"): Promise<{ row: AttachmentRow; ws: Scope }> {
    const row = await store.findAttachment(tx, id);
    const ws = row ? await scopes.get(tx, row.workspace_id) : undefined;
    if (!row || !ws) throw new NotFoundError("attachment");
    requireRole(ctx.principal, ws.path, needed, "this attachment");
    return { row, ws };
  }

  /** Detaches under the tenant's sharing lock (taken by the caller), audited, entries resynced. */
  async function detach(tx: Queryable, ctx: RequestContext, ws: Scope, row: AttachmentRow, cause?: unknown) {
    await store.deleteAttachments(tx, [row.id]);
    await syncWorkspaces(tx, [ws.id]);
    await audit(tx, ctx, ws, "attachment.delete", row.id, presentAttachment(row), cause);
  }

  return {
    async create(ctx: RequestContext, workspaceId: string, input: { objectId: string }) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const ws = await scopes.visible(tx, ctx, workspaceId, "operator");
          await lockTenantSharing(tx, ws.tenantId);
          const object = await findObject(tx, input.objectId);
          const owner = object ? await scopes.get(tx, object.scopeId) : undefined;
          if (!object || !owner) throw new NotFoundError(objectKind(input.objectId));
          if (!(await isAvailable(tx, object.id, ws.path))) {
            // Not available here: say so to whoever can see it, and 404 to anyone else.
            if (!roleAt(ctx.principal, owner.path)) throw new NotFoundError(object.type);
            throw new ConflictError(
              `${object.type} ${object.id} is not available to this workspace: it belongs to ${owner.id} and no grant to the workspace, its organization or its tenant covers it; grant it first`,
              { objectId: object.id, ownerId: owner.id },
            );
          }
          const existing = await store.findAttachmentOf(tx, ws.id, object.id);
          if (existing) throw new ConflictError(`${object.type} ${object.id} is already attached to this workspace (attachment ${existing.id})`, { attachmentId: existing.id });
          await assertNoCollision(tx, ws.id, object.id);
          const row = await store.insertAttachment(tx, { id: newId("attachment"), workspaceId: ws.id, objectType: object.type, objectId: object.id, actorId: ctx.principal.actorId });
          await syncWorkspaces(tx, [ws.id]);
          const shown = presentAttachment(row);
          await audit(tx, ctx, ws, "attachment.create", row.id, undefined, shown);
          return shown;
        }),
      );
    },

    async read(ctx: RequestContext, id: string) {
      return presentAttachment((await visible(db, ctx, id, "viewer")).row);
    },

    async list(ctx: RequestContext, workspaceId: string, limit: number, afterId?: string) {
      const ws = await scopes.visible(db, ctx, workspaceId, "viewer");
      return (await store.listAttachments(db, ws.id, limit, afterId)).map(presentAttachment);
    },

    async remove(ctx: RequestContext, id: string) {
      return db.transaction(async (tx) => {
        const { ws } = await visible(tx, ctx, id, "operator");
        await lockTenantSharing(tx, ws.tenantId);
        const row = await store.findAttachment(tx, id, true);
        if (!row) throw new NotFoundError("attachment");
        checkVersion("this attachment", row.version, ctx.ifMatch);
        await detach(tx, ctx, ws, row);
      });
    },

    /**
     * Detaches the schema `name` (SPEC §5): only where it was attached. A schema present only
     * through a folder attachment is refused, naming the folder to detach instead.
     */
    async detachSchema(ctx: RequestContext, workspaceId: string, name: string) {
      return db.transaction(async (tx) => {
        const ws = await scopes.visible(tx, ctx, workspaceId, "operator");
        await lockTenantSharing(tx, ws.tenantId);
        const holder = await schemaHolder(tx, ws.id, name);
        if (!holder) throw new NotFoundError(`schema "${name}" in this workspace`);
        if (holder.folder_id) {
          throw new ConflictError(
            `schema "${name}" (connection ${holder.connection_id}) is here through the attachment of folder ${holder.folder_id}; detach that folder (attachment ${holder.attachment_id}) instead`,
            { folderId: holder.folder_id, attachmentId: holder.attachment_id, connectionId: holder.connection_id },
          );
        }
        const row = await store.findAttachment(tx, holder.attachment_id, true);
        if (!row) throw new NotFoundError(`schema "${name}" in this workspace`);
        await detach(tx, ctx, ws, row, { schema: name });
      });
    },
  };
}
