import { availableConnectionIds } from "../attachments/availability";
import { connectionWorkspaces, workspaceSchemas } from "../attachments/queries";
import { insertAudit } from "../audit/store";
import { openConfig } from "../connections/config";
import type { ConnectionService } from "../connections/service";
import { findConnection } from "../connections/store";
import type { Db } from "../db/db";
import { NotFoundError } from "../errors";
import type { RequestContext } from "../http/context";
import type { ScopeService } from "../scopes/service";
import type { SecretBox } from "../secrets";

export type WorkspaceViewService = ReturnType<typeof createWorkspaceViewService>;

export interface SchemaItem {
  name: string;
  state: "direct" | "indirect" | "conflict" | "available";
  connectionId: string;
  folderId?: string | null;
  attachmentId?: string | null;
  conflictsWith?: string | null;
}

/** A workspace's view of the sharing model (SPEC §5, §3.5): its schemas and their credentials. */
export function createWorkspaceViewService(deps: { db: Db; scopes: ScopeService; box: SecretBox; connections: ConnectionService }) {
  const { db, scopes, box, connections } = deps;

  return {
    /**
     * The workspace's schemas by name (the holder of a name first, then its conflicts), and with
     * `includeAvailable` the available connections that are not schemas, as `available`.
     */
    async schemas(ctx: RequestContext, workspaceId: string, opts: { includeAvailable: boolean }): Promise<SchemaItem[]> {
      return db.transaction(async (tx) => {
        const ws = await scopes.visible(tx, ctx, workspaceId, "viewer");
        const items: SchemaItem[] = (await workspaceSchemas(tx, ws.id)).map((s) => ({
          name: s.name,
          state: s.state,
          connectionId: s.connection_id,
          folderId: s.folder_id,
          attachmentId: s.attachment_id,
          conflictsWith: s.conflicts_with,
        }));
        if (!opts.includeAvailable) return items;
        const members = new Set(items.map((i) => i.connectionId));
        const available = (await availableConnectionIds(tx, ws.path))
          .filter((c) => !members.has(c.id))
          .map((c): SchemaItem => ({ name: c.handle, state: "available", connectionId: c.id }));
        // Stable order: by name; within a name the schemas first (as listed), then available ones by id.
        const order = new Map(items.map((i, n) => [i.connectionId, n]));
        return [...items, ...available].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : (order.get(a.connectionId) ?? Infinity) - (order.get(b.connectionId) ?? Infinity) || (a.connectionId < b.connectionId ? -1 : 1),
        );
      });
    },

    /** The workspaces whose schemas include a connection, and how. */
    async connectionWorkspaces(ctx: RequestContext, connectionId: string, page: { limit: number; afterWorkspace?: string }) {
      await connections.visible(db, ctx, connectionId, "viewer");
      const rows = await connectionWorkspaces(db, connectionId, page);
      return rows.map((r) => ({ workspaceId: r.workspace_id, state: r.state, attachmentId: r.attachment_id, folderId: r.folder_id, conflictsWith: r.conflicts_with }));
    },

    /**
     * The decrypted config of the connection that is schema `handle` of the workspace, for its
     * editors (SPEC §3.5). Each read is audited; the values never are.
     */
    async credentials(ctx: RequestContext, workspaceId: string, handle: string) {
      const row = await db.transaction(async (tx) => {
        const ws = await scopes.visible(tx, ctx, workspaceId, "editor");
        const holder = (await workspaceSchemas(tx, ws.id)).find((s) => s.name === handle && s.state !== "conflict");
        const conn = holder ? await findConnection(tx, holder.connection_id) : undefined;
        if (!holder || !conn) throw new NotFoundError(`schema "${handle}" in this workspace`);
        await insertAudit(tx, {
          tenantId: ws.tenantId,
          scopePath: ws.path,
          actorId: ctx.principal.actorId,
          action: "connection.credentials.read",
          targetType: "connection",
          targetId: conn.id,
          after: { workspaceId: ws.id, schema: handle, state: holder.state, plugin: conn.plugin },
          requestId: ctx.requestId,
        });
        return conn;
      });
      return { connectionId: row.id, handle: row.handle, plugin: row.plugin, config: openConfig(box, row.id, { config: row.config, secrets: row.secrets }) };
    },
  };
}
