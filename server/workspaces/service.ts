import { availableConnectionIds } from "../attachments/availability";
import { connectionWorkspaces, schemaHolder, workspaceSchemas, type SchemaRow } from "../attachments/queries";
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

function present(s: SchemaRow): SchemaItem & { rank: number } {
  return { name: s.name, state: s.state, connectionId: s.connection_id, folderId: s.folder_id, attachmentId: s.attachment_id, conflictsWith: s.conflicts_with, rank: s.rank };
}

/** `limit + 1` rows → a page and whether more follow, with the (name, rank) to resume after. */
function page(rows: (SchemaItem & { rank: number })[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(({ rank: _rank, ...item }) => item), next: rows.length > limit ? { name: last.name, rank: last.rank } : undefined };
}

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
     * A page of the workspace's schemas by name (the holder of a name first, then its conflicts),
     * resuming after (name, rank). With `includeAvailable`, the available connections that are not
     * schemas follow the schemas of their name, as `available`.
     */
    async schemas(ctx: RequestContext, workspaceId: string, q: { includeAvailable: boolean; limit: number; after?: { name: string; rank: number } }) {
      const ws = await scopes.visible(db, ctx, workspaceId, "viewer");
      if (!q.includeAvailable) {
        const rows = await workspaceSchemas(db, ws.id, { after: q.after, limit: q.limit + 1 });
        return page(rows.map(present), q.limit);
      }
      const items = await db.transaction(async (tx) => {
        const schemas = (await workspaceSchemas(tx, ws.id)).map(present);
        const members = new Set(schemas.map((i) => i.connectionId));
        const available = (await availableConnectionIds(tx, ws.path))
          .filter((c) => !members.has(c.id))
          .sort((a, b) => (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : a.id < b.id ? -1 : 1));
        // merge by name: a name's schemas (in their order), then its available connections
        const merged: (SchemaItem & { rank: number })[] = [];
        let s = 0;
        let a = 0;
        while (s < schemas.length || a < available.length) {
          const next = a >= available.length || (s < schemas.length && schemas[s].name <= available[a].handle) ? schemas[s++] : { name: available[a].handle, state: "available" as const, connectionId: available[a++].id, rank: 0 };
          const previous = merged[merged.length - 1];
          merged.push({ ...next, rank: previous?.name === next.name ? previous.rank + 1 : 1 });
        }
        return merged;
      });
      const start = q.after ? items.findIndex((i) => i.name > q.after!.name || (i.name === q.after!.name && i.rank > q.after!.rank)) : 0;
      return page(start < 0 ? [] : items.slice(start, start + q.limit + 1), q.limit);
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
        const holder = await schemaHolder(tx, ws.id, handle);
        const conn = holder ? await findConnection(tx, holder.connection_id) : undefined;
        if (!holder || !conn) throw new NotFoundError(`schema "${handle}" in this workspace`);
        await insertAudit(tx, {
          tenantId: ws.tenantId,
          scopePath: ws.path,
          actorId: ctx.principal.actorId,
          action: "connection.credentials.read",
          targetType: "connection",
          targetId: conn.id,
          after: { workspaceId: ws.id, schema: handle, state: holder.folder_id ? "indirect" : "direct", plugin: conn.plugin },
          requestId: ctx.requestId,
        });
        return conn;
      });
      return { connectionId: row.id, handle: row.handle, plugin: row.plugin, config: openConfig(box, row.id, { config: row.config, secrets: row.secrets }) };
    },
  };
}
