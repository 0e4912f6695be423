import type { Queryable } from "../db/db";

export interface AttachmentRow {
  id: string;
  workspace_id: string;
  connection_id: string | null;
  folder_id: string | null;
  seq: number;
  version: number;
  created_at: Date;
  created_by: string | null;
}

const COLUMNS = "id, workspace_id, connection_id, folder_id, seq, version, created_at, created_by";

export function presentAttachment(r: AttachmentRow) {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    objectId: (r.connection_id ?? r.folder_id) as string,
    objectType: r.connection_id ? ("connection" as const) : ("folder" as const),
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

export async function insertAttachment(
  tx: Queryable,
  a: { id: string; workspaceId: string; objectType: "connection" | "folder"; objectId: string; actorId: string },
): Promise<AttachmentRow> {
  const { rows } = await tx.query<AttachmentRow>(
    `INSERT INTO attachments (id, workspace_id, connection_id, folder_id, created_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [a.id, a.workspaceId, a.objectType === "connection" ? a.objectId : null, a.objectType === "folder" ? a.objectId : null, a.actorId],
  );
  return rows[0];
}

export async function findAttachment(tx: Queryable, id: string, forUpdate = false): Promise<AttachmentRow | undefined> {
  const { rows } = await tx.query<AttachmentRow>(`SELECT ${COLUMNS} FROM attachments WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export async function findAttachmentOf(tx: Queryable, workspaceId: string, objectId: string): Promise<AttachmentRow | undefined> {
  const { rows } = await tx.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE workspace_id = $1 AND coalesce(connection_id, folder_id) = $2`,
    [workspaceId, objectId],
  );
  return rows[0];
}

export async function listAttachments(tx: Queryable, workspaceId: string, limit: number, afterId?: string): Promise<AttachmentRow[]> {
  const { rows } = await tx.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE workspace_id = $1 AND ($2::text IS NULL OR id COLLATE "C" > $2)
      ORDER BY id COLLATE "C" LIMIT $3`,
    [workspaceId, afterId ?? null, limit],
  );
  return rows;
}

export async function findAttachments(tx: Queryable, ids: string[]): Promise<AttachmentRow[]> {
  const { rows } = await tx.query<AttachmentRow>(`SELECT ${COLUMNS} FROM attachments WHERE id = ANY($1::text[]) ORDER BY id`, [ids]);
  return rows;
}

export async function deleteAttachments(tx: Queryable, ids: string[]): Promise<void> {
  await tx.query("DELETE FROM attachments WHERE id = ANY($1::text[])", [ids]);
}
