import type { Queryable } from "../db/db";
import type { SyncSummary } from "../../contract/integrations";
import type { EncryptedField } from "../secrets";

/**
 * SQL of integrations and of the objects they manage. Syncs write in sets: each function below
 * is one statement for any number of rows, its rows passed as one JSON array.
 */

export interface IntegrationRow {
  id: string;
  tenant_id: string;
  scope_id: string;
  type: "aws" | "azure" | "gcp";
  handle: string;
  title: string;
  config: { handlePrefix?: string; connection: { plugin: string; config: Record<string, unknown> }; exclude?: string[]; maxDeleteFraction?: number };
  secrets: Record<string, EncryptedField>;
  parent_folder_id: string | null;
  root_folder_id: string;
  last_sync: { at: string; by: string; summary: SyncSummary; snapshotHash: string } | null;
  version: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = "id, tenant_id, scope_id, type, handle, title, config, secrets, parent_folder_id, root_folder_id, last_sync, version, created_at, created_by, updated_at, updated_by";

export async function insertIntegration(
  tx: Queryable,
  i: { id: string; tenantId: string; scopeId: string; type: string; handle: string; title: string; config: unknown; secrets: unknown; parentFolderId: string | null; rootFolderId: string; actorId: string },
): Promise<IntegrationRow> {
  const { rows } = await tx.query<IntegrationRow>(
    `INSERT INTO integrations (id, tenant_id, scope_id, type, handle, title, config, secrets, parent_folder_id, root_folder_id, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ${COLUMNS}`,
    [i.id, i.tenantId, i.scopeId, i.type, i.handle, i.title, JSON.stringify(i.config), JSON.stringify(i.secrets), i.parentFolderId, i.rootFolderId, i.actorId],
  );
  return rows[0];
}

/** An integration; `forUpdate` locks its row, which serialises syncs, updates and deletes of it. */
export async function findIntegration(tx: Queryable, id: string, forUpdate = false): Promise<IntegrationRow | undefined> {
  const { rows } = await tx.query<IntegrationRow>(`SELECT ${COLUMNS} FROM integrations WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export async function findIntegrationByHandle(tx: Queryable, tenantId: string, handle: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>("SELECT id FROM integrations WHERE tenant_id = $1 AND handle = $2", [tenantId, handle]);
  return rows[0]?.id;
}

export async function listIntegrations(tx: Queryable, q: { scopeId: string; limit: number; afterId?: string }): Promise<IntegrationRow[]> {
  const { rows } = await tx.query<IntegrationRow>(
    `SELECT ${COLUMNS} FROM integrations WHERE scope_id = $1 AND ($2::text IS NULL OR id COLLATE "C" > $2) ORDER BY id COLLATE "C" LIMIT $3`,
    [q.scopeId, q.afterId ?? null, q.limit],
  );
  return rows;
}

export async function updateIntegration(tx: Queryable, id: string, u: { title: string; config: unknown; secrets: unknown; actorId: string }): Promise<IntegrationRow> {
  const { rows } = await tx.query<IntegrationRow>(
    `UPDATE integrations SET title = $2, config = $3, secrets = $4, version = version + 1, updated_at = now(), updated_by = $5 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, u.title, JSON.stringify(u.config), JSON.stringify(u.secrets), u.actorId],
  );
  return rows[0];
}

/** Records the last applied sync (not a change of the integration's own settings: its version stays). */
export async function recordSync(tx: Queryable, id: string, lastSync: unknown): Promise<void> {
  await tx.query("UPDATE integrations SET last_sync = $2 WHERE id = $1", [id, JSON.stringify(lastSync)]);
}

export async function deleteIntegration(tx: Queryable, id: string): Promise<void> {
  await tx.query("DELETE FROM integrations WHERE id = $1", [id]);
}

export interface ManagedFolderRow {
  id: string;
  parent_id: string | null;
  title: string;
  cloud_id: string | null;
}

export interface ManagedConnectionRow {
  id: string;
  folder_id: string | null;
  handle: string;
  title: string;
  plugin: string;
  config: Record<string, unknown>;
  secrets: Record<string, EncryptedField>;
  cloud_id: string;
}

/** The folders an integration manages (its root folder has no cloud id). */
export async function managedFolders(tx: Queryable, integrationId: string): Promise<ManagedFolderRow[]> {
  const { rows } = await tx.query<ManagedFolderRow>("SELECT id, parent_id, title, cloud_id FROM folders WHERE managed_by = $1", [integrationId]);
  return rows;
}

export async function managedConnections(tx: Queryable, integrationId: string): Promise<ManagedConnectionRow[]> {
  const { rows } = await tx.query<ManagedConnectionRow>("SELECT id, folder_id, handle, title, plugin, config, secrets, cloud_id FROM connections WHERE managed_by = $1", [integrationId]);
  return rows;
}

export async function insertRootFolder(tx: Queryable, f: { id: string; scopeId: string; parentId: string | null; title: string; integrationId: string; actorId: string }) {
  await tx.query(
    `INSERT INTO folders (id, scope_id, parent_id, title, managed_by, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    [f.id, f.scopeId, f.parentId, f.title, f.integrationId, f.actorId],
  );
}

export async function renameRootFolder(tx: Queryable, id: string, title: string, actorId: string) {
  await tx.query("UPDATE folders SET title = $2, version = version + 1, updated_at = now(), updated_by = $3 WHERE id = $1 AND title <> $2", [id, title, actorId]);
}

/** Inserts folders, parents first (the tree trigger then sees each parent). */
export async function insertFolders(tx: Queryable, scopeId: string, integrationId: string, actorId: string, folders: { id: string; parentId: string; title: string; cloudId: string }[]) {
  if (!folders.length) return;
  await tx.query(
    `INSERT INTO folders (id, scope_id, parent_id, title, managed_by, cloud_id, created_by, updated_by)
     SELECT e.v->>'id', $1, e.v->>'parentId', e.v->>'title', $2, e.v->>'cloudId', $3, $3
       FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n`,
    [scopeId, integrationId, actorId, JSON.stringify(folders)],
  );
}

/** Renames and moves folders; a move takes a new placement number, as a PATCH does. */
export async function updateFolders(tx: Queryable, actorId: string, folders: { id: string; parentId: string; title: string; moved: boolean }[]) {
  if (!folders.length) return;
  await tx.query(
    `UPDATE folders f SET parent_id = x."parentId", title = x.title, version = f.version + 1, updated_at = now(), updated_by = $1,
            placed_seq = CASE WHEN x.moved THEN nextval('placement_seq') ELSE f.placed_seq END
       FROM jsonb_to_recordset($2::jsonb) AS x(id text, "parentId" text, title text, moved boolean)
      WHERE f.id = x.id`,
    [actorId, JSON.stringify(folders)],
  );
}

export async function insertConnections(
  tx: Queryable,
  scopeId: string,
  integrationId: string,
  actorId: string,
  connections: { id: string; folderId: string; handle: string; title: string; plugin: string; config: unknown; secrets: unknown; cloudId: string }[],
) {
  if (!connections.length) return;
  await tx.query(
    `INSERT INTO connections (id, scope_id, folder_id, handle, title, plugin, config, secrets, managed_by, cloud_id, created_by, updated_by)
     SELECT x.id, $1, x."folderId", x.handle, x.title, x.plugin, x.config, x.secrets, $2, x."cloudId", $3, $3
       FROM jsonb_to_recordset($4::jsonb) AS x(id text, "folderId" text, handle text, title text, plugin text, config jsonb, secrets jsonb, "cloudId" text)`,
    [scopeId, integrationId, actorId, JSON.stringify(connections)],
  );
}

export async function updateConnections(
  tx: Queryable,
  actorId: string,
  connections: { id: string; folderId: string; handle: string; title: string; plugin: string; config: unknown; secrets: unknown; moved: boolean }[],
) {
  if (!connections.length) return;
  await tx.query(
    `UPDATE connections c SET folder_id = x."folderId", handle = x.handle, title = x.title, plugin = x.plugin, config = x.config, secrets = x.secrets,
            version = c.version + 1, updated_at = now(), updated_by = $1,
            placed_seq = CASE WHEN x.moved THEN nextval('placement_seq') ELSE c.placed_seq END
       FROM jsonb_to_recordset($2::jsonb) AS x(id text, "folderId" text, handle text, title text, plugin text, config jsonb, secrets jsonb, moved boolean)
      WHERE c.id = x.id`,
    [actorId, JSON.stringify(connections)],
  );
}

/**
 * Gives renamed connections a temporary handle first (`sy_` + their id's body), so that handles
 * can be swapped among them: the scope's unique handle index is checked row by row.
 */
export async function parkHandles(tx: Queryable, ids: string[]) {
  if (!ids.length) return;
  await tx.query("UPDATE connections SET handle = 'sy_' || substr(id, 6) WHERE id = ANY($1::text[])", [ids]);
}

/** Connections of the scope, not managed by this integration, holding any of `handles`. */
export async function handlesTakenInScope(tx: Queryable, scopeId: string, integrationId: string, handles: string[]): Promise<{ id: string; handle: string }[]> {
  if (!handles.length) return [];
  const { rows } = await tx.query<{ id: string; handle: string }>(
    "SELECT id, handle FROM connections WHERE scope_id = $1 AND handle = ANY($3::text[]) AND managed_by IS DISTINCT FROM $2 ORDER BY handle",
    [scopeId, integrationId, handles],
  );
  return rows;
}

/**
 * Renames that would give a workspace two schemas of one name: for each renamed connection, the
 * workspaces it is in where another connection (staying) has, after the sync, the new handle.
 */
export async function renameClashes(tx: Queryable, renames: { id: string; handle: string }[], leaving: string[]): Promise<{ connection_id: string; workspace_id: string; other_id: string; handle: string }[]> {
  if (!renames.length) return [];
  const { rows } = await tx.query<{ connection_id: string; workspace_id: string; other_id: string; handle: string }>(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, handle text))
     SELECT r.id AS connection_id, o.workspace_id, o.connection_id AS other_id, r.handle
       FROM r
       JOIN schema_entries me ON me.connection_id = r.id
       JOIN schema_entries o ON o.workspace_id = me.workspace_id AND o.connection_id <> r.id
       LEFT JOIN r r2 ON r2.id = o.connection_id
      WHERE coalesce(r2.handle COLLATE "C", o.handle) = r.handle COLLATE "C" AND NOT (o.connection_id = ANY($2::text[]))
      ORDER BY 1, 2
      LIMIT 20`,
    [JSON.stringify(renames), leaving],
  );
  return rows;
}
