import type { FastifyInstance } from "fastify";
import type { ConnectionService, ConnectionSharing } from "./connections/service";
import type { Db, Queryable } from "./db/db";
import { ConflictError } from "./errors";
import type { ScopeService } from "./scopes/service";
import type { SecretBox } from "./secrets";
import { connectionUsage, strandedAttachments, workspaceSchemas } from "./attachments/queries";

/**
 * The sharing model (folders, grants, attachments and a workspace's view), wired together:
 * what connections need from it, and its routes.
 */
export function createSharing(deps: { db: Db; scopes: ScopeService; box: SecretBox }) {
  const forConnections: ConnectionSharing = {
    async usage(tx: Queryable, connectionId: string) {
      const rows = await connectionUsage(tx, connectionId);
      return rows.map((r) => ({ workspaceId: r.workspace_id, state: r.state, attachmentId: r.attachment_id, folderId: r.folder_id }));
    },
    async assertAttachmentsAvailable(tx: Queryable, tenantId: string) {
      const stranded = await strandedAttachments(tx, tenantId);
      if (stranded.length > 0) {
        throw new ConflictError(
          `this change would leave ${stranded.length} attachment(s) without the grant that makes them available; detach them first: ${stranded.map((s) => `${s.attachment_id} (workspace ${s.workspace_id})`).join(", ")}`,
          { attachments: stranded.map((s) => ({ attachmentId: s.attachment_id, workspaceId: s.workspace_id, objectId: s.object_id })) },
        );
      }
    },
    async assertHandleFree(tx: Queryable, connectionId: string, handle: string) {
      const workspaces = [...new Set((await connectionUsage(tx, connectionId)).map((u) => u.workspace_id))];
      for (const ws of workspaces) {
        const clash = (await workspaceSchemas(tx, ws)).find((s) => s.name === handle && s.connection_id !== connectionId);
        if (clash) {
          throw new ConflictError(`handle "${handle}" is already the schema of connection ${clash.connection_id} in workspace ${ws}; choose another handle`, {
            workspaceId: ws,
            connectionId: clash.connection_id,
          });
        }
      }
    },
  };

  return {
    forConnections,
    routes(_app: FastifyInstance, _connections: ConnectionService) {
      // folder, grant, attachment and workspace-view routes are registered here
    },
  };
}
