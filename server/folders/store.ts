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

/** A folder; `true` locks it for update, "key share" only against its delete (as a child's foreign key does). */
export async function findFolder(tx: Queryable, id: string, lock: boolean | "key share" = false): Promise<FolderRow | undefined> {
  const { rows } = await tx.query<FolderRow>(`SELECT ${FOLDER_COLUMNS} FROM folders WHERE id = $1${lock === "key share" ? " FOR KEY SHARE" : lock ? " FOR UPDATE" : ""}`, [id]);
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

export async function insertFolder(
  tx: Queryable,
  f: { id: string; scopeId: string; parentId: string | null; handle: string | null; title: string; actorId: string },
): Promise<FolderRow> {
  const { rows } = await tx.query<FolderRow>(
    `INSERT INTO folders (id, scope_id, parent_id, handle, title, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${FOLDER_COLUMNS}`,
    [f.id, f.scopeId, f.parentId, f.handle, f.title, f.actorId],
  );
  return rows[0];
}

/** Renames and moves a folder; a move takes a new placement number (it arrives again). */
export async function updateFolder(
  tx: Queryable,
  id: string,
  f: { parentId: string | null; handle: string | null; title: string; actorId: string; moved: boolean },
): Promise<FolderRow> {
  const { rows } = await tx.query<FolderRow>(
    `UPDATE folders
        SET parent_id = $2, handle = $3, title = $4, version = version + 1, updated_at = now(), updated_by = $5,
            placed_seq = CASE WHEN $6 THEN nextval('placement_seq') ELSE placed_seq END
      WHERE id = $1 RETURNING ${FOLDER_COLUMNS}`,
    [id, f.parentId, f.handle, f.title, f.actorId, f.moved],
  );
  return rows[0];
}

export async function findSiblingFolderByHandle(tx: Queryable, scopeId: string, parentId: string | null, handle: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM folders WHERE scope_id = $1 AND coalesce(parent_id, '') = coalesce($2, '') AND handle = $3",
    [scopeId, parentId, handle],
  );
  return rows[0]?.id;
}

export async function listFolders(tx: Queryable, q: { scopeId: string; parentId?: string | null; limit: number; afterId?: string }): Promise<FolderRow[]> {
  const { rows } = await tx.query<FolderRow>(
    `SELECT ${FOLDER_COLUMNS} FROM folders
      WHERE scope_id = $1
        AND ($2::boolean IS FALSE OR parent_id IS NOT DISTINCT FROM $3)
        AND ($4::text IS NULL OR id COLLATE "C" > $4)
      ORDER BY id COLLATE "C" LIMIT $5`,
    [q.scopeId, q.parentId !== undefined, q.parentId ?? null, q.afterId ?? null, q.limit],
  );
  return rows;
}

/** A folder and every folder above it, from the folder up (none for null). */
export async function folderAndAncestors(tx: Queryable, folderId: string | null): Promise<string[]> {
  if (!folderId) return [];
  const { rows } = await tx.query<{ id: string }>(
    `WITH RECURSIVE up (id, parent_id, depth) AS (
       SELECT id, parent_id, 0 FROM folders WHERE id = $1
       UNION ALL
       SELECT f.id, f.parent_id, up.depth + 1 FROM folders f JOIN up ON f.id = up.parent_id
     )
     SELECT id FROM up ORDER BY depth`,
    [folderId],
  );
  return rows.map((r) => r.id);
}

/** Whether `folderId` is `ancestorId` or below it (a move of `ancestorId` under it would be a cycle). */
export async function isAtOrBelow(tx: Queryable, folderId: string, ancestorId: string): Promise<boolean> {
  const { rows } = await tx.query<{ found: boolean }>(
    `WITH RECURSIVE up (id, parent_id) AS (
       SELECT id, parent_id FROM folders WHERE id = $1
       UNION ALL
       SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id
     )
     SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS found`,
    [folderId, ancestorId],
  );
  return rows[0].found;
}

export interface SubtreeItem {
  type: "folder" | "connection";
  id: string;
  parent_id: string | null;
  handle: string | null;
  title: string;
  managed_by: string | null;
  depth: number;
}

/** A folder and everything below it: folders (the folder itself at depth 0) and connections. */
export async function folderSubtree(tx: Queryable, folderId: string): Promise<SubtreeItem[]> {
  const { rows } = await tx.query<SubtreeItem>(
    `WITH RECURSIVE below (id, parent_id, handle, title, managed_by, depth) AS (
       SELECT id, parent_id, handle, title, managed_by, 0 FROM folders WHERE id = $1
       UNION ALL
       SELECT f.id, f.parent_id, f.handle, f.title, f.managed_by, b.depth + 1 FROM folders f JOIN below b ON f.parent_id = b.id
     )
     SELECT 'folder' AS type, id, parent_id, handle, title, managed_by, depth FROM below
     UNION ALL
     SELECT 'connection', c.id, c.folder_id, c.handle, c.title, c.managed_by, b.depth + 1
       FROM below b JOIN connections c ON c.folder_id = b.id
     ORDER BY depth, type DESC, id`,
    [folderId],
  );
  return rows;
}

export interface SharingRef {
  id: string;
  object_id: string;
  other_id: string;
}

/** Grants on any of `objectIds`: id, object, grantee. */
export async function grantsOn(tx: Queryable, objectIds: string[]): Promise<SharingRef[]> {
  const { rows } = await tx.query<SharingRef>(
    `SELECT id, coalesce(connection_id, folder_id) AS object_id, grantee_id AS other_id FROM grants
      WHERE connection_id = ANY($1::text[]) OR folder_id = ANY($1::text[]) ORDER BY id`,
    [objectIds],
  );
  return rows;
}

/** Attachments of any of `objectIds`: id, object, workspace. */
export async function attachmentsOf(tx: Queryable, objectIds: string[]): Promise<SharingRef[]> {
  const { rows } = await tx.query<SharingRef>(
    `SELECT id, coalesce(connection_id, folder_id) AS object_id, workspace_id AS other_id FROM attachments
      WHERE connection_id = ANY($1::text[]) OR folder_id = ANY($1::text[]) ORDER BY id`,
    [objectIds],
  );
  return rows;
}

/** Deletes folders and connections (grants and attachments on them first). FKs are checked per statement. */
export async function deleteSubtree(tx: Queryable, folderIds: string[], connectionIds: string[]): Promise<void> {
  const all = [...folderIds, ...connectionIds];
  await tx.query("DELETE FROM attachments WHERE connection_id = ANY($1::text[]) OR folder_id = ANY($1::text[])", [all]);
  await tx.query("DELETE FROM grants WHERE connection_id = ANY($1::text[]) OR folder_id = ANY($1::text[])", [all]);
  await tx.query("DELETE FROM connections WHERE id = ANY($1::text[])", [connectionIds]);
  await tx.query("DELETE FROM folders WHERE id = ANY($1::text[])", [folderIds]);
}

export interface TreeRow extends SubtreeItem {
  /** Ancestor folders from the root down to the parent: [{id, handle, title}]. */
  path: { id: string; handle: string | null; title: string }[];
}

/**
 * A page of a scope's whole tree, parents before children (by depth, then folders before
 * connections, then id), each item with its ancestor path.
 */
export async function scopeTree(tx: Queryable, scopeId: string, q: { limit: number; after?: { depth: number; type: string; id: string } }): Promise<TreeRow[]> {
  const { rows } = await tx.query<TreeRow>(
    `WITH RECURSIVE node (id, parent_id, handle, title, managed_by, depth, path) AS (
       SELECT id, parent_id, handle, title, managed_by, 0, '[]'::jsonb FROM folders WHERE scope_id = $1 AND parent_id IS NULL
       UNION ALL
       SELECT f.id, f.parent_id, f.handle, f.title, f.managed_by, n.depth + 1,
              n.path || jsonb_build_array(jsonb_build_object('id', n.id, 'handle', n.handle, 'title', n.title))
         FROM folders f JOIN node n ON f.parent_id = n.id
     ),
     item AS (
       SELECT 'folder' AS type, 0 AS rank, id, parent_id, handle, title, managed_by, depth, path FROM node
       UNION ALL
       SELECT 'connection', 1, c.id, c.folder_id, c.handle, c.title, c.managed_by,
              coalesce(n.depth + 1, 0),
              coalesce(n.path || jsonb_build_array(jsonb_build_object('id', n.id, 'handle', n.handle, 'title', n.title)), '[]'::jsonb)
         FROM connections c LEFT JOIN node n ON n.id = c.folder_id
        WHERE c.scope_id = $1
     )
     SELECT type, id, parent_id, handle, title, managed_by, depth, path FROM item
      WHERE $2::int IS NULL OR (depth, rank, id COLLATE "C") > ($2::int, $3::int, $4::text)
      ORDER BY depth, rank, id COLLATE "C"
      LIMIT $5`,
    [scopeId, q.after?.depth ?? null, q.after ? (q.after.type === "folder" ? 0 : 1) : null, q.after?.id ?? null, q.limit],
  );
  return rows;
}
