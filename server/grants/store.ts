import type { Queryable } from "../db/db";

export interface GrantRow {
  id: string;
  tenant_id: string;
  connection_id: string | null;
  folder_id: string | null;
  grantee_id: string;
  version: number;
  created_at: Date;
  created_by: string | null;
}

const COLUMNS = "id, tenant_id, connection_id, folder_id, grantee_id, version, created_at, created_by";

export function presentGrant(r: GrantRow) {
  return {
    id: r.id,
    objectId: (r.connection_id ?? r.folder_id) as string,
    objectType: r.connection_id ? ("connection" as const) : ("folder" as const),
    granteeId: r.grantee_id,
    tenantId: r.tenant_id,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

export async function insertGrant(
  tx: Queryable,
  g: { id: string; tenantId: string; objectType: "connection" | "folder"; objectId: string; granteeId: string; actorId: string },
): Promise<GrantRow> {
  const { rows } = await tx.query<GrantRow>(
    `INSERT INTO grants (id, tenant_id, connection_id, folder_id, grantee_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [g.id, g.tenantId, g.objectType === "connection" ? g.objectId : null, g.objectType === "folder" ? g.objectId : null, g.granteeId, g.actorId],
  );
  return rows[0];
}

export async function findGrant(tx: Queryable, id: string, forUpdate = false): Promise<GrantRow | undefined> {
  const { rows } = await tx.query<GrantRow>(`SELECT ${COLUMNS} FROM grants WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export async function findGrantOf(tx: Queryable, objectId: string, granteeId: string): Promise<GrantRow | undefined> {
  const { rows } = await tx.query<GrantRow>(`SELECT ${COLUMNS} FROM grants WHERE coalesce(connection_id, folder_id) = $1 AND grantee_id = $2`, [objectId, granteeId]);
  return rows[0];
}

/** Grants of an object and/or to a grantee, by id. */
export async function listGrants(tx: Queryable, q: { objectId?: string; granteeId?: string; limit: number; afterId?: string }): Promise<GrantRow[]> {
  const { rows } = await tx.query<GrantRow>(
    `SELECT ${COLUMNS} FROM grants
      WHERE ($1::text IS NULL OR connection_id = $1 OR folder_id = $1)
        AND ($2::text IS NULL OR grantee_id = $2)
        AND ($3::text IS NULL OR id COLLATE "C" > $3)
      ORDER BY id COLLATE "C" LIMIT $4`,
    [q.objectId ?? null, q.granteeId ?? null, q.afterId ?? null, q.limit],
  );
  return rows;
}

export async function deleteGrant(tx: Queryable, id: string): Promise<void> {
  await tx.query("DELETE FROM grants WHERE id = $1", [id]);
}
