import type { Queryable } from "../db/db";

/** A connection or a folder: what grants share and attachments attach. */
export interface SharedObject {
  type: "connection" | "folder";
  id: string;
  scopeId: string;
  /** The folder it is in (a connection) or below (a folder). */
  folderId: string | null;
  handle: string | null;
  managedBy: string | null;
}

export async function findObject(tx: Queryable, id: string): Promise<SharedObject | undefined> {
  const { rows } = await tx.query<{ type: "connection" | "folder"; id: string; scope_id: string; folder_id: string | null; handle: string | null; managed_by: string | null }>(
    `SELECT 'connection' AS type, id, scope_id, folder_id, handle, managed_by FROM connections WHERE id = $1
     UNION ALL
     SELECT 'folder', id, scope_id, parent_id, handle, managed_by FROM folders WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r && { type: r.type, id: r.id, scopeId: r.scope_id, folderId: r.folder_id, handle: r.handle, managedBy: r.managed_by };
}

export function objectKind(id: string): "connection" | "folder" {
  return id.startsWith("conn_") ? "connection" : "folder";
}
