import type { FastifyInstance } from "fastify";
import { availableConnections } from "./attachments/availability";
import { syncConnections } from "./attachments/entries";
import { connectionUsage, renameClashes } from "./attachments/queries";
import { attachmentRoutes } from "./attachments/routes";
import { assertNotStranded } from "./attachments/rules";
import { createAttachmentService } from "./attachments/service";
import type { ConnectionService, ConnectionSharing } from "./connections/service";
import type { Db, Queryable } from "./db/db";
import { ConflictError } from "./errors";
import { folderRoutes } from "./folders/routes";
import { createFolderService } from "./folders/service";
import { grantRoutes } from "./grants/routes";
import { createGrantService } from "./grants/service";
import type { ScopeService } from "./scopes/service";
import type { SecretBox } from "./secrets";
import { workspaceRoutes } from "./workspaces/routes";
import { createWorkspaceViewService } from "./workspaces/service";

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
    async assertAttachmentsAvailable(tx: Queryable, tenantId: string, connectionId?: string) {
      await assertNotStranded(tx, tenantId, connectionId ? { objectIds: [connectionId] } : undefined);
    },
    async assertHandleFree(tx: Queryable, connectionId: string, handle: string) {
      const clash = (await renameClashes(tx, connectionId, handle))[0];
      if (clash) {
        throw new ConflictError(`handle "${handle}" is already the schema of connection ${clash.connection_id} in workspace ${clash.workspace_id}; choose another handle`, {
          workspaceId: clash.workspace_id,
          connectionId: clash.connection_id,
        });
      }
    },
    async placed(tx: Queryable, connectionId: string) {
      await syncConnections(tx, { connectionIds: [connectionId] });
    },
    async available(tx: Queryable, workspacePath: string[], q) {
      return availableConnections(tx, workspacePath, q);
    },
  };

  const folders = createFolderService(deps);
  const grants = createGrantService(deps);
  const attachments = createAttachmentService(deps);

  return {
    forConnections,
    routes(app: FastifyInstance, connections: ConnectionService) {
      folderRoutes(app, folders);
      grantRoutes(app, grants);
      attachmentRoutes(app, attachments);
      workspaceRoutes(app, createWorkspaceViewService({ ...deps, connections }));
    },
  };
}
