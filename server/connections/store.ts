import type { Queryable } from "../db/db";
import type { EncryptedField } from "../secrets";
import { SCOPE_COLUMNS, scopeFromRow, scopePathSql, type Scope, type ScopeRow } from "../scopes/store";

export interface ConnectionRow {
  id: string;
  scope_id: string;
  folder_id: string | null;
  handle: string;
  title: string;
  description: string;
  plugin: string;
  config: Record<string, unknown>;
  secrets: Record<string, EncryptedField>;
  managed_by: string | null;
  version: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = "id, scope_id, folder_id, handle, title, description, plugin, config, secrets, managed_by, version, created_at, created_by, updated_at, updated_by";

/**
 * Inserts a connection and its `connection.create` audit record in one statement (one round trip
 * instead of a handle check, an insert and an audit insert). The record's `after` is what the
 * caller will answer (`shown`, built before the row existed) with the row's own timestamps, in
 * the form `Date.toISOString()` gives them. A handle already taken in the scope inserts nothing
 * and answers undefined (the unique index decides, also under concurrency).
 */
export async function insertConnectionAudited(
  tx: Queryable,
  c: { id: string; scopeId: string; folderId: string | null; handle: string; title: string; description: string; plugin: string; config: unknown; secrets: unknown; actorId: string },
  audit: { tenantId: string; scopePath: readonly string[]; shown: unknown; requestId?: string },
): Promise<ConnectionRow | undefined> {
  const { rows } = await tx.query<ConnectionRow>(
    `WITH c AS (
       INSERT INTO connections (id, scope_id, folder_id, handle, title, description, plugin, config, secrets, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT (scope_id, handle) DO NOTHING
       RETURNING ${COLUMNS}),
     audited AS (
       INSERT INTO audit_log (tenant_id, scope_path, actor_id, action, target_type, target_id, after, request_id)
       SELECT $11, $12, $10, 'connection.create', 'connection', c.id,
              $13::jsonb || jsonb_build_object('createdAt', ${ISO("c.created_at")}, 'updatedAt', ${ISO("c.updated_at")}), $14
         FROM c)
     SELECT ${COLUMNS} FROM c`,
    [c.id, c.scopeId, c.folderId, c.handle, c.title, c.description, c.plugin, JSON.stringify(c.config), JSON.stringify(c.secrets), c.actorId, audit.tenantId, audit.scopePath, JSON.stringify(audit.shown), audit.requestId ?? null],
  );
  return rows[0];
}

/** One create of `insertConnectionsIfAllowed`: the row, who may insert it (`gate`), what its audit record shows. */
export interface GatedInsert {
  c: { id: string; scopeId: string; handle: string; title: string; description: string; plugin: string; config: unknown; secrets: unknown; actorId: string };
  gate: { isAdmin: boolean; scopeIds: readonly string[] };
  audit: { shown: unknown; requestId?: string };
}

/**
 * Creates in one statement, with no transaction around it (one round trip and one commit for them
 * all, where each alone would take four): for each, reads its scope, inserts the connection only
 * if the caller's role allows it there, writes its `connection.create` audit record, and answers
 * the scope as read with the row, in the order of `creates` (`row` undefined when nothing was
 * inserted; the whole answer undefined when the scope does not exist). The role is checked in SQL by `gate`: an
 * administrator, or one of the scopes where the caller holds the needed role on the scope's path
 * (scopesWithRole); the caller then decides the answer from the scope returned (scopes.check), by
 * the same rule. A handle already taken inserts nothing (the unique index decides, also under
 * concurrency and between two creates of one statement: the first in the list wins; rows go in
 * the order of that index, so that two statements never wait for each other's rows the other way
 * round). As one statement, every insert and its audit record commit together or not at all.
 */
export async function insertConnectionsIfAllowed(tx: Queryable, creates: readonly GatedInsert[]): Promise<({ scope: Scope; row: ConnectionRow | undefined } | undefined)[]> {
  const input = creates.map(({ c, gate, audit }, n) => ({
    n,
    id: c.id,
    scope_id: c.scopeId,
    handle: c.handle,
    title: c.title,
    description: c.description,
    plugin: c.plugin,
    config: c.config,
    secrets: c.secrets,
    actor_id: c.actorId,
    is_admin: gate.isAdmin,
    scope_ids: gate.scopeIds,
    shown: audit.shown,
    request_id: audit.requestId ?? null,
  }));
  const { rows } = await tx.query<Record<string, unknown>>(INSERT_IF_ALLOWED, [JSON.stringify(input)]);
  const found = new Map<string, { scope: Scope; row: ConnectionRow | undefined }>();
  for (const r of rows) found.set(r.input_id as string, { scope: scopeOf(r), row: r.id === null ? undefined : connectionOf(r) });
  return creates.map(({ c }) => found.get(c.id));
}

function connectionOf(r: Record<string, unknown>): ConnectionRow {
  const row: Record<string, unknown> = {};
  for (const c of CONNECTION_COLUMNS) row[c] = r[c];
  return row as unknown as ConnectionRow;
}

function scopeOf(r: Record<string, unknown>): Scope {
  const scope: Record<string, unknown> = {};
  for (const c of SCOPE_COLUMNS) scope[c] = r[`s_${c}`];
  return scopeFromRow(scope as unknown as ScopeRow);
}

/** A timestamp as `Date.prototype.toISOString()` writes it (milliseconds, truncated as a JS Date does). */
const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function findConnection(tx: Queryable, id: string, forUpdate = false): Promise<ConnectionRow | undefined> {
  const { rows } = await tx.query<ConnectionRow>(`SELECT ${COLUMNS} FROM connections WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

const CONNECTION_COLUMNS = COLUMNS.split(", ");
// The input's columns are named, not `*`, so that the statement is prepared (db.ts, preparable).
const INSERT_IF_ALLOWED = `WITH i AS (
       SELECT n, id, scope_id, handle, title, description, plugin, config, secrets, actor_id, is_admin, scope_ids, shown, request_id
         FROM jsonb_to_recordset($1::jsonb) AS i(n int, id text, scope_id text, handle text, title text, description text, plugin text,
                                                 config jsonb, secrets jsonb, actor_id text, is_admin boolean, scope_ids text[], shown jsonb, request_id text)),
     s AS (
       SELECT ${SCOPE_COLUMNS.join(", ")}, ${scopePathSql("scopes")} AS path FROM scopes WHERE id IN (SELECT scope_id FROM i)),
     c AS (
       INSERT INTO connections (id, scope_id, handle, title, description, plugin, config, secrets, created_by, updated_by)
       SELECT i.id, s.id, i.handle, i.title, i.description, i.plugin, i.config, i.secrets, i.actor_id, i.actor_id
         FROM i JOIN s ON s.id = i.scope_id
        WHERE i.is_admin OR s.path && i.scope_ids
        ORDER BY s.id, i.handle, i.n
       ON CONFLICT (scope_id, handle) DO NOTHING
       RETURNING ${COLUMNS}),
     audited AS (
       INSERT INTO audit_log (tenant_id, scope_path, actor_id, action, target_type, target_id, after, request_id)
       SELECT s.tenant_id, s.path, i.actor_id, 'connection.create', 'connection', c.id,
              i.shown || jsonb_build_object('createdAt', ${ISO("c.created_at")}, 'updatedAt', ${ISO("c.updated_at")}), i.request_id
         FROM c JOIN i ON i.id = c.id JOIN s ON s.id = c.scope_id)
     SELECT i.id AS input_id, ${CONNECTION_COLUMNS.map((x) => `c.${x}`).join(", ")}, ${SCOPE_COLUMNS.map((x) => `s.${x} AS s_${x}`).join(", ")}
       FROM i JOIN s ON s.id = i.scope_id LEFT JOIN c ON c.id = i.id`;
const WITH_SCOPE = `${CONNECTION_COLUMNS.map((c) => `c.${c}`).join(", ")}, ${SCOPE_COLUMNS.map((c) => `s.${c} AS s_${c}`).join(", ")}`;
const CONNECTION_AND_SCOPE = "connections c JOIN scopes s ON s.id = c.scope_id";

/**
 * A connection and the scope that owns it, in one round trip (what every read of one connection
 * needs to check the caller's role). `forUpdate` locks the connection's row only, as
 * findConnection does; the scope is read, not locked.
 */
export async function findConnectionWithScope(tx: Queryable, id: string, forUpdate = false): Promise<{ row: ConnectionRow; scope: Scope } | undefined> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${WITH_SCOPE} FROM ${CONNECTION_AND_SCOPE} WHERE c.id = $1${forUpdate ? " FOR UPDATE OF c" : ""}`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { row: connectionOf(r), scope: scopeOf(r) };
}

/** Several connections, each with its scope, in one statement: the batched reads of `GET /v1/connections/{id}` (db/batch.ts). */
export async function findConnectionsWithScope(tx: Queryable, ids: readonly string[]): Promise<Map<string, { row: ConnectionRow; scope: Scope }>> {
  const { rows } = await tx.query<Record<string, unknown>>(`SELECT ${WITH_SCOPE} FROM ${CONNECTION_AND_SCOPE} WHERE c.id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((r) => [r.id as string, { row: connectionOf(r), scope: scopeOf(r) }]));
}

export async function findConnectionByHandle(tx: Queryable, scopeId: string, handle: string): Promise<ConnectionRow | undefined> {
  const { rows } = await tx.query<ConnectionRow>(`SELECT ${COLUMNS} FROM connections WHERE scope_id = $1 AND handle = $2`, [scopeId, handle]);
  return rows[0];
}

/** Handles in a scope equal to `base` or `base_<n>`, for choosing a free derived handle. */
export async function handlesLike(tx: Queryable, scopeId: string, base: string): Promise<Set<string>> {
  const { rows } = await tx.query<{ handle: string }>(
    "SELECT handle FROM connections WHERE scope_id = $1 AND (handle = $2 OR handle ~ ('^' || $2 || '_[0-9]+$'))",
    [scopeId, base],
  );
  return new Set(rows.map((r) => r.handle));
}

export async function updateConnection(
  tx: Queryable,
  id: string,
  c: { folderId: string | null; handle: string; title: string; description: string; config: unknown; secrets: unknown; actorId: string; moved: boolean },
): Promise<ConnectionRow> {
  const { rows } = await tx.query<ConnectionRow>(
    `UPDATE connections
        SET folder_id = $2, handle = $3, title = $4, description = $5, config = $6, secrets = $7,
            version = version + 1, updated_at = now(), updated_by = $8,
            placed_seq = CASE WHEN $9 THEN nextval('placement_seq') ELSE placed_seq END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, c.folderId, c.handle, c.title, c.description, JSON.stringify(c.config), JSON.stringify(c.secrets), c.actorId, c.moved],
  );
  return rows[0];
}

export async function deleteConnection(tx: Queryable, id: string): Promise<void> {
  await tx.query("DELETE FROM connections WHERE id = $1", [id]);
}

export async function listConnections(
  tx: Queryable,
  q: { scopeId: string; folderId?: string | null; plugin?: string; limit: number; afterHandle?: string },
): Promise<ConnectionRow[]> {
  const { rows } = await tx.query<ConnectionRow>(
    `SELECT ${COLUMNS} FROM connections
      WHERE scope_id = $1
        AND ($2::boolean IS FALSE OR folder_id IS NOT DISTINCT FROM $3)
        AND ($4::text IS NULL OR plugin = $4)
        AND ($5::text IS NULL OR handle > $5)
      ORDER BY handle LIMIT $6`,
    [q.scopeId, q.folderId !== undefined, q.folderId ?? null, q.plugin ?? null, q.afterHandle ?? null, q.limit],
  );
  return rows;
}
