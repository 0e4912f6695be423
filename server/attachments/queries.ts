import type { Queryable } from "../db/db";

/**
 * The queries that answer what a workspace sees (SPEC §5), from `schema_entries`, which every
 * change keeps exact in its own transaction (./entries.ts), so answers are exact right after any
 * change. The rules (docs/sharing.md):
 * - A connection is a schema *candidate* of a workspace when the workspace attached it, or
 *   attached a folder it is below (at any depth). It is `direct` when attached itself, else
 *   `indirect` through its earliest folder attachment, which is the folder named.
 * - Among candidates with the same handle, the one that joined the workspace first and has been a
 *   candidate ever since keeps the name; the others are `conflict`, naming the holder. A move
 *   within what the workspace sees, or a second route to a connection coming or going, is not a
 *   new arrival. (Ties cannot happen; they would go to the smaller id.)
 */

export interface SchemaRow {
  name: string;
  state: "direct" | "indirect" | "conflict";
  connection_id: string;
  folder_id: string | null;
  attachment_id: string;
  conflicts_with: string | null;
  /** Position within its name: 1 for the holder, then the conflicts in order of arrival. */
  rank: number;
}

/**
 * A workspace's schemas in list order (by name in byte order, then arrival), read along
 * schema_entries_listing: a page reads the names it shows (and, for ranks, their partitions).
 * $2/$3 resume after (name, rank); $4 limits (NULL: all).
 */
export const WORKSPACE_SCHEMAS_SQL = `
WITH ranked AS (
  SELECT handle, connection_id, via_folder_id, attachment_id, entered,
         first_value(connection_id) OVER w AS holder, row_number() OVER w AS rank
    FROM schema_entries
   WHERE workspace_id = $1 AND ($2::text IS NULL OR handle >= $2)
  WINDOW w AS (PARTITION BY handle ORDER BY entered, connection_id)
)
SELECT handle AS name,
       CASE WHEN rank > 1 THEN 'conflict' WHEN via_folder_id IS NULL THEN 'direct' ELSE 'indirect' END AS state,
       connection_id, via_folder_id AS folder_id, attachment_id,
       CASE WHEN rank > 1 THEN holder END AS conflicts_with, rank::int AS rank
  FROM ranked
 WHERE $2::text IS NULL OR handle > $2 OR rank > $3
 ORDER BY handle, entered, connection_id -- the window's order (so: by rank), which the index gives
 LIMIT $4`;

/** A workspace's schemas (a page of them, when asked), by name; within a name the holder first, then the conflicts. */
export async function workspaceSchemas(tx: Queryable, workspaceId: string, page?: { after?: { name: string; rank: number }; limit?: number }): Promise<SchemaRow[]> {
  const { rows } = await tx.query<SchemaRow>(WORKSPACE_SCHEMAS_SQL, [workspaceId, page?.after?.name ?? null, page?.after?.rank ?? 0, page?.limit ?? null]);
  return rows;
}

/** The holder of schema name `name` in a workspace (the first of that name to arrive), if any. */
export async function schemaHolder(tx: Queryable, workspaceId: string, name: string): Promise<{ connection_id: string; attachment_id: string; folder_id: string | null } | undefined> {
  const { rows } = await tx.query<{ connection_id: string; attachment_id: string; folder_id: string | null }>(
    `SELECT connection_id, attachment_id, via_folder_id AS folder_id FROM schema_entries
      WHERE workspace_id = $1 AND handle = $2 ORDER BY entered, connection_id LIMIT 1`,
    [workspaceId, name],
  );
  return rows[0];
}

export interface ConnectionWorkspaceRow {
  workspace_id: string;
  state: "direct" | "indirect" | "conflict";
  attachment_id: string;
  folder_id: string | null;
  conflicts_with: string | null;
}

/** The workspaces whose schemas include a connection, and how: exact, states included. */
export async function connectionWorkspaces(tx: Queryable, connectionId: string, page: { limit: number; afterWorkspace?: string }): Promise<ConnectionWorkspaceRow[]> {
  const { rows } = await tx.query<ConnectionWorkspaceRow>(
    `SELECT e.workspace_id,
            CASE WHEN holder.connection_id <> e.connection_id THEN 'conflict' WHEN e.via_folder_id IS NULL THEN 'direct' ELSE 'indirect' END AS state,
            e.attachment_id, e.via_folder_id AS folder_id,
            CASE WHEN holder.connection_id <> e.connection_id THEN holder.connection_id END AS conflicts_with
       FROM schema_entries e
       -- the first to arrive among the connections of that name in the same workspace
       CROSS JOIN LATERAL (
         SELECT r.connection_id FROM schema_entries r
          WHERE r.workspace_id = e.workspace_id AND r.handle = e.handle
          ORDER BY r.entered, r.connection_id LIMIT 1
       ) holder
      WHERE e.connection_id = $1 AND ($2::text IS NULL OR e.workspace_id COLLATE "C" > $2)
      ORDER BY e.workspace_id COLLATE "C"
      LIMIT $3`,
    [connectionId, page.afterWorkspace ?? null, page.limit],
  );
  return rows;
}

/**
 * Where renaming connection `connectionId` to `handle` would put two schemas of one name in a
 * workspace: the workspaces where it is a candidate together with another connection so named.
 */
export async function renameClashes(tx: Queryable, connectionId: string, handle: string): Promise<{ workspace_id: string; connection_id: string }[]> {
  const { rows } = await tx.query<{ workspace_id: string; connection_id: string }>(
    `SELECT o.workspace_id, o.connection_id
       FROM schema_entries me
       JOIN schema_entries o ON o.workspace_id = me.workspace_id AND o.handle = $1 AND o.connection_id <> me.connection_id
      WHERE me.connection_id = $2
      ORDER BY o.workspace_id COLLATE "C", o.connection_id COLLATE "C"`,
    [handle, connectionId],
  );
  return rows;
}

/** The connections an attachment of `objectId` brings: the connection, or every one below the folder. */
export async function connectionsBrought(tx: Queryable, objectId: string): Promise<{ id: string; handle: string }[]> {
  const { rows } = await tx.query<{ id: string; handle: string }>(
    `WITH RECURSIVE below (id) AS (
       SELECT id FROM folders WHERE id = $1
       UNION ALL
       SELECT f.id FROM folders f JOIN below b ON f.parent_id = b.id
     )
     SELECT id, handle FROM connections WHERE id = $1
     UNION ALL
     SELECT c.id, c.handle FROM below b JOIN connections c ON c.folder_id = b.id
     ORDER BY 2, 1`,
    [objectId],
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
 * Every attachment that reaches a connection: of the connection itself or of a folder above it,
 * and how (direct or through which folder). One row per route, for a delete's impact list.
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
