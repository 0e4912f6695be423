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

/** Writes many audit records in one statement (an integration sync touching thousands of objects). */
export async function insertAudits(tx: Queryable, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  const rows = entries.map((e) => ({
    tenant_id: e.tenantId,
    scope_path: e.scopePath,
    actor_id: e.actorId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    before: e.before ?? null,
    after: e.after ?? null,
    request_id: e.requestId ?? null,
  }));
  await tx.query(
    `INSERT INTO audit_log (tenant_id, scope_path, actor_id, action, target_type, target_id, before, after, request_id)
     SELECT e.v->>'tenant_id', ARRAY(SELECT jsonb_array_elements_text(e.v->'scope_path')), e.v->>'actor_id', e.v->>'action', e.v->>'target_type', e.v->>'target_id',
            nullif(e.v->'before', 'null'::jsonb), nullif(e.v->'after', 'null'::jsonb), e.v->>'request_id'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n`,
    [JSON.stringify(rows)],
  );
}
