import type { Queryable } from "../db/db";
import type { ScopeKind } from "../../contract/ids";

export interface ScopeRow {
  id: string;
  kind: ScopeKind;
  parent_id: string | null;
  tenant_id: string;
  handle: string;
  title: string;
  version: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

export interface Scope {
  id: string;
  kind: ScopeKind;
  parentId: string | null;
  tenantId: string;
  handle: string;
  title: string;
  version: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  /** Scope ids from the tenant down to this scope: the scopes whose roles apply here. */
  path: string[];
}

export function scopeFromRow(r: ScopeRow): Scope {
  const path = r.kind === "tenant" ? [r.id] : r.kind === "org" ? [r.tenant_id, r.id] : [r.tenant_id, r.parent_id as string, r.id];
  return {
    id: r.id,
    kind: r.kind,
    parentId: r.parent_id,
    tenantId: r.tenant_id,
    handle: r.handle,
    title: r.title,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
    path,
  };
}

/**
 * scopeFromRow's `path` in SQL, for a statement that checks a role before it writes (the same
 * rule; tests/server/db/scope-path.test.ts holds the two together).
 */
export const scopePathSql = (t: string) =>
  `CASE ${t}.kind WHEN 'tenant' THEN ARRAY[${t}.id] WHEN 'org' THEN ARRAY[${t}.tenant_id, ${t}.id] ELSE ARRAY[${t}.tenant_id, ${t}.parent_id, ${t}.id] END`;

export const SCOPE_COLUMNS = ["id", "kind", "parent_id", "tenant_id", "handle", "title", "version", "created_at", "created_by", "updated_at", "updated_by"] as const;
const COLUMNS = SCOPE_COLUMNS.join(", ");

export async function insertScope(
  tx: Queryable,
  s: { id: string; kind: ScopeKind; parentId: string | null; tenantId: string; handle: string; title: string; actorId: string },
): Promise<Scope> {
  const { rows } = await tx.query<ScopeRow>(
    `INSERT INTO scopes (id, kind, parent_id, tenant_id, handle, title, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
    [s.id, s.kind, s.parentId, s.tenantId, s.handle, s.title, s.actorId],
  );
  return scopeFromRow(rows[0]);
}

export async function findScope(tx: Queryable, id: string, forUpdate = false): Promise<Scope | undefined> {
  const { rows } = await tx.query<ScopeRow>(`SELECT ${COLUMNS} FROM scopes WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? scopeFromRow(rows[0]) : undefined;
}

export async function findSiblingByHandle(tx: Queryable, parentId: string | null, handle: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM scopes WHERE parent_id IS NOT DISTINCT FROM $1 AND handle = $2",
    [parentId, handle],
  );
  return rows[0]?.id;
}

export async function updateScope(tx: Queryable, id: string, patch: { handle?: string; title?: string }, actorId: string): Promise<Scope> {
  const { rows } = await tx.query<ScopeRow>(
    `UPDATE scopes SET handle = coalesce($2, handle), title = coalesce($3, title), version = version + 1,
            updated_at = now(), updated_by = $4
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.handle ?? null, patch.title ?? null, actorId],
  );
  return scopeFromRow(rows[0]);
}

export async function deleteScope(tx: Queryable, id: string): Promise<void> {
  await tx.query("DELETE FROM scopes WHERE id = $1", [id]);
}

/** What still lives in a scope, so that deleting it can be refused with a useful list. */
export async function scopeContents(tx: Queryable, id: string): Promise<{ children: number; connections: number; folders: number }> {
  const { rows } = await tx.query<{ children: number; connections: number; folders: number }>(
    `SELECT (SELECT count(*)::int FROM scopes WHERE parent_id = $1) AS children,
            (SELECT count(*)::int FROM connections WHERE scope_id = $1) AS connections,
            (SELECT count(*)::int FROM folders WHERE scope_id = $1) AS folders`,
    [id],
  );
  return rows[0];
}

export async function listChildScopes(tx: Queryable, parentId: string | null, limit: number, afterId?: string): Promise<Scope[]> {
  const { rows } = await tx.query<ScopeRow>(
    `SELECT ${COLUMNS} FROM scopes
      WHERE parent_id IS NOT DISTINCT FROM $1 AND ($2::text IS NULL OR id > $2)
      ORDER BY id LIMIT $3`,
    [parentId, afterId ?? null, limit],
  );
  return rows.map(scopeFromRow);
}

/** Whether any of `scopeIds` is a scope below `scopeId` (an org or workspace inside it). */
export async function anyBelow(tx: Queryable, scopeId: string, scopeIds: string[]): Promise<boolean> {
  if (scopeIds.length === 0) return false;
  const { rows } = await tx.query(
    "SELECT 1 FROM scopes WHERE id = ANY($2::text[]) AND id <> $1 AND (parent_id = $1 OR tenant_id = $1) LIMIT 1",
    [scopeId, scopeIds],
  );
  return rows.length > 0;
}

/** Tenants where the caller holds a role at the tenant or anywhere below it. */
export async function listTenantsFor(tx: Queryable, scopeIds: string[], all: boolean, limit: number, afterId?: string): Promise<Scope[]> {
  const { rows } = await tx.query<ScopeRow>(
    `SELECT ${COLUMNS} FROM scopes t
      WHERE t.kind = 'tenant' AND ($1 OR t.id IN (SELECT tenant_id FROM scopes WHERE id = ANY($2::text[])))
        AND ($3::text IS NULL OR t.id > $3)
      ORDER BY t.id LIMIT $4`,
    [all, scopeIds, afterId ?? null, limit],
  );
  return rows.map(scopeFromRow);
}
