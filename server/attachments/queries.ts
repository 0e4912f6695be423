import type { Queryable } from "../db/db";

/**
 * The queries that decide what a workspace sees (SPEC §4, §5). Nothing here is cached or
 * materialised: every answer is computed from grants, attachments and the folder tree as they
 * are in the caller's transaction, so it is exact right after any change.
 */

export interface SchemaRow {
  name: string;
  state: "direct" | "indirect" | "conflict";
  connection_id: string;
  folder_id: string | null;
  attachment_id: string;
  conflicts_with: string | null;
}

/**
 * A workspace's schemas. Each connection reached through the workspace's attachments (directly,
 * or below an attached folder) is a member; its `entered` sequence is when it last joined (the
 * attachment, its creation or move into the folder, or a move of a folder on the way). Among
 * members with the same handle the earliest keeps the name; the others are `conflict`.
 */
export const WORKSPACE_SCHEMAS_SQL = `
WITH RECURSIVE
att AS (
  SELECT id, connection_id, folder_id, seq FROM attachments WHERE workspace_id = $1
),
-- every folder below each attached folder, with the latest join event on the way down
walk (attachment_id, root_id, folder_id, entered) AS (
  SELECT a.id, a.folder_id, a.folder_id, a.seq FROM att a WHERE a.folder_id IS NOT NULL
  UNION ALL
  SELECT w.attachment_id, w.root_id, f.id, greatest(w.entered, f.placed_seq)
    FROM folders f JOIN walk w ON f.parent_id = w.folder_id
),
member AS (
  SELECT c.id AS connection_id, c.handle, true AS direct, NULL::text AS via_folder, a.id AS attachment_id, a.seq AS entered
    FROM att a JOIN connections c ON c.id = a.connection_id
  UNION ALL
  SELECT c.id, c.handle, false, w.root_id, w.attachment_id, greatest(w.entered, c.placed_seq)
    FROM walk w JOIN connections c ON c.folder_id = w.folder_id
),
-- one row per connection: direct if attached itself, else through its earliest folder attachment
per_connection AS (
  SELECT DISTINCT ON (connection_id) connection_id, handle, direct, via_folder, attachment_id,
         min(entered) OVER (PARTITION BY connection_id) AS entered
    FROM member
   ORDER BY connection_id, direct DESC, entered
),
ranked AS (
  SELECT p.*, first_value(connection_id) OVER w AS winner, row_number() OVER w AS rank
    FROM per_connection p
  WINDOW w AS (PARTITION BY handle ORDER BY entered, direct DESC, connection_id)
)
SELECT handle AS name,
       CASE WHEN rank > 1 THEN 'conflict' WHEN direct THEN 'direct' ELSE 'indirect' END AS state,
       connection_id, via_folder AS folder_id, attachment_id,
       CASE WHEN rank > 1 THEN winner END AS conflicts_with
  FROM ranked
 ORDER BY handle, rank`;

export async function workspaceSchemas(tx: Queryable, workspaceId: string): Promise<SchemaRow[]> {
  const { rows } = await tx.query<SchemaRow>(WORKSPACE_SCHEMAS_SQL, [workspaceId]);
  return rows;
}

export interface AvailableRow {
  connection_id: string;
  handle: string;
  via: "own" | "grant";
  grant_id: string | null;
  grantee_id: string | null;
  folder_id: string | null;
}

/**
 * The connections available to a workspace, with why: its own, or covered by a grant to the
 * workspace, its organization or its tenant (directly, or below a granted folder). `$2` is the
 * workspace's scope path [tenant, org, workspace].
 */
export async function availableConnections(tx: Queryable, workspaceId: string, scopePath: string[]): Promise<AvailableRow[]> {
  const { rows } = await tx.query<AvailableRow>(
    `WITH RECURSIVE
     g AS (SELECT id, connection_id, folder_id, grantee_id FROM grants WHERE grantee_id = ANY($2::text[])),
     below (grant_id, root_id, folder_id) AS (
       SELECT g.id, g.folder_id, g.folder_id FROM g WHERE g.folder_id IS NOT NULL
       UNION ALL
       SELECT b.grant_id, b.root_id, f.id FROM folders f JOIN below b ON f.parent_id = b.folder_id
     )
     SELECT c.id AS connection_id, c.handle, 'own' AS via, NULL AS grant_id, NULL AS grantee_id, NULL AS folder_id
       FROM connections c WHERE c.scope_id = $1
     UNION ALL
     SELECT c.id, c.handle, 'grant', g.id, g.grantee_id, NULL FROM g JOIN connections c ON c.id = g.connection_id
     UNION ALL
     SELECT c.id, c.handle, 'grant', b.grant_id, g.grantee_id, b.root_id
       FROM below b JOIN g ON g.id = b.grant_id JOIN connections c ON c.folder_id = b.folder_id
     ORDER BY 2, 1, 3`,
    [workspaceId, scopePath],
  );
  return rows;
}

/** Whether a connection or folder is available to a workspace (SPEC §4): own, or granted to it or above. */
export async function isAvailable(tx: Queryable, objectId: string, workspacePath: string[]): Promise<boolean> {
  const workspaceId = workspacePath[workspacePath.length - 1];
  const { rows } = await tx.query<{ ok: boolean }>(
    `WITH RECURSIVE
     target AS (
       SELECT c.scope_id, c.folder_id AS start_folder, c.id AS connection_id FROM connections c WHERE c.id = $1
       UNION ALL
       SELECT f.scope_id, f.id, NULL FROM folders f WHERE f.id = $1
     ),
     up (folder_id) AS (
       SELECT start_folder FROM target WHERE start_folder IS NOT NULL
       UNION ALL
       SELECT f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
     )
     SELECT EXISTS (SELECT 1 FROM target WHERE scope_id = $3)
         OR EXISTS (SELECT 1 FROM grants g WHERE g.grantee_id = ANY($2::text[])
                      AND (g.connection_id = (SELECT connection_id FROM target) OR g.folder_id IN (SELECT folder_id FROM up))) AS ok`,
    [objectId, workspacePath, workspaceId],
  );
  return rows[0]?.ok === true;
}

export interface StrandedAttachment {
  attachment_id: string;
  workspace_id: string;
  object_id: string;
}

/**
 * Attachments of a tenant's workspaces whose target is no longer available to the workspace:
 * after a grant is revoked or something is moved, these must be refused or cascaded.
 */
export async function strandedAttachments(tx: Queryable, tenantId: string, ignoringGrantId?: string): Promise<StrandedAttachment[]> {
  const { rows } = await tx.query<StrandedAttachment>(
    `WITH RECURSIVE
     t AS (
       SELECT a.id AS attachment_id, a.workspace_id, coalesce(a.connection_id, a.folder_id) AS object_id,
              a.connection_id, coalesce(a.folder_id, c.folder_id) AS start_folder,
              coalesce(c.scope_id, f.scope_id) AS owner_scope, w.parent_id AS org_id, w.tenant_id
         FROM attachments a
         JOIN scopes w ON w.id = a.workspace_id
         LEFT JOIN connections c ON c.id = a.connection_id
         LEFT JOIN folders f ON f.id = a.folder_id
        WHERE w.tenant_id = $1
     ),
     up (attachment_id, folder_id) AS (
       SELECT attachment_id, start_folder FROM t WHERE start_folder IS NOT NULL
       UNION ALL
       SELECT up.attachment_id, f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
     )
     SELECT t.attachment_id, t.workspace_id, t.object_id FROM t
      WHERE t.owner_scope <> t.workspace_id
        AND NOT EXISTS (
          SELECT 1 FROM grants g
           WHERE g.grantee_id IN (t.workspace_id, t.org_id, t.tenant_id)
             AND g.id IS DISTINCT FROM $2
             AND (g.connection_id = t.connection_id
                  OR g.folder_id IN (SELECT folder_id FROM up WHERE up.attachment_id = t.attachment_id)))
      ORDER BY t.workspace_id, t.attachment_id`,
    [tenantId, ignoringGrantId ?? null],
  );
  return rows;
}

export interface UsageRow {
  workspace_id: string;
  state: string;
  attachment_id: string | null;
  folder_id: string | null;
}

/**
 * Where a connection is a schema: every workspace with an attachment of the connection itself or
 * of a folder above it, and how (direct or through which folder). States `conflict` are resolved
 * by the workspace's full schema list; this lists candidate workspaces cheaply.
 */
export async function connectionUsage(tx: Queryable, connectionId: string): Promise<UsageRow[]> {
  const { rows } = await tx.query<UsageRow>(
    `WITH RECURSIVE up (folder_id) AS (
       SELECT folder_id FROM connections WHERE id = $1 AND folder_id IS NOT NULL
       UNION ALL
       SELECT f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
     )
     SELECT a.workspace_id, CASE WHEN a.connection_id IS NOT NULL THEN 'direct' ELSE 'indirect' END AS state,
            a.id AS attachment_id, a.folder_id
       FROM attachments a
      WHERE a.connection_id = $1 OR a.folder_id IN (SELECT folder_id FROM up)
      ORDER BY a.workspace_id, (a.connection_id IS NULL), a.seq`,
    [connectionId],
  );
  return rows;
}
