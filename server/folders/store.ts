import type { Queryable } from "../db/db";

export interface FolderRow {
  id: string;
  scope_id: string;
  parent_id: string | null;
  handle: string | null;
  title: string;
  managed_by: string | null;
  version: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

export const FOLDER_COLUMNS = "id, scope_id, parent_id, handle, title, managed_by, version, created_at, created_by, updated_at, updated_by";

export async function findFolder(tx: Queryable, id: string, forUpdate = false): Promise<FolderRow | undefined> {
  const { rows } = await tx.query<FolderRow>(`SELECT ${FOLDER_COLUMNS} FROM folders WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export function presentFolder(r: FolderRow) {
  return {
    id: r.id,
    scopeId: r.scope_id,
    parentId: r.parent_id,
    handle: r.handle,
    title: r.title,
    managedBy: r.managed_by,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
  };
}
