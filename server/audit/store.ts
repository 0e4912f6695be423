import type { Queryable } from "../db/db";

export interface AuditEntry {
  tenantId: string | null;
  /** The scope ids from the tenant down to the scope the target lives in. */
  scopePath: readonly string[];
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

/** Writes one audit record; callers pass the transaction of the mutation it describes. */
export async function insertAudit(tx: Queryable, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (tenant_id, scope_path, actor_id, action, target_type, target_id, before, after, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.tenantId,
      e.scopePath,
      e.actorId,
      e.action,
      e.targetType,
      e.targetId,
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.requestId ?? null,
    ],
  );
}

export interface AuditRow {
  seq: number;
  scope_path: string[];
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
  at: Date;
}

/** The records about a scope and everything below it, newest first, `after` being a cursor (a seq). */
export async function listAudit(tx: Queryable, scopeId: string, limit: number, before?: number, action?: string): Promise<AuditRow[]> {
  const { rows } = await tx.query<AuditRow>(
    `SELECT seq, scope_path, actor_id, action, target_type, target_id, before, after, request_id, at
       FROM audit_log
      WHERE scope_path @> ARRAY[$1]::text[]
        AND ($2::bigint IS NULL OR seq < $2)
        AND ($3::text IS NULL OR action = $3)
      ORDER BY seq DESC
      LIMIT $4`,
    [scopeId, before ?? null, action ?? null, limit],
  );
  return rows;
}
