import type { Queryable } from "../db/db";

/**
 * The queries that decide what a workspace sees (SPEC §5). Which connections are schemas of a
 * workspace is computed from attachments and the folder tree as they are in the caller's
 * transaction, so it is exact right after any change. Only the order of arrival, which decides
 * who keeps a contested name, is remembered (`schema_entries`, kept by ./entries.ts).
 *
 * The rules (docs/sharing.md):
 * - A connection is a *member* of a workspace when the workspace attached it, or attached a
 *   folder it is below (at any depth). It is `direct` when attached itself, else `indirect`
 *   through its earliest folder attachment (by attachment order), which is the folder named.
 * - Among members with the same handle, the one that joined the workspace first and has been a
 *   member ever since keeps the name; ties (never produced by the service) go to the smaller id.
 *   The others are `conflict`, naming the winner. A move within what a workspace sees, or a
 *   second route to a connection coming or going, is not a new arrival.
 */

export interface SchemaRow {
  name: string;
  state: "direct" | "indirect" | "conflict";
  connection_id: string;
  folder_id: string | null;
  attachment_id: string;
  conflicts_with: string | null;
}

// The subqueries with OFFSET 0 are not flattened, so each step reads only the rows below the
// folders reached (index scans on folders_parent and connections_folder): the planner cannot
// estimate a recursive walk's size and would otherwise hash whole tables.
export const WORKSPACE_SCHEMAS_SQL = `
WITH RECURSIVE
att AS (
  SELECT id, connection_id, folder_id, seq FROM attachments WHERE workspace_id = $1
),
-- every folder below each attached folder, remembering the attachment it came through
walk (attachment_id, root_id, seq, folder_id) AS (
  SELECT a.id, a.folder_id, a.seq, a.folder_id FROM att a WHERE a.folder_id IS NOT NULL
  UNION ALL
  SELECT w.attachment_id, w.root_id, w.seq, f.id
    FROM walk w CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = w.folder_id OFFSET 0) f
),
route AS (
  SELECT c.id AS connection_id, c.handle, true AS direct, NULL::text AS via_folder, a.id AS attachment_id, a.seq
    FROM att a JOIN connections c ON c.id = a.connection_id
  UNION ALL
  SELECT c.id, c.handle, false, w.root_id, w.attachment_id, w.seq
    FROM walk w CROSS JOIN LATERAL (SELECT id, handle FROM connections WHERE folder_id = w.folder_id OFFSET 0) c
),
-- one row per member: direct if attached itself, else through its earliest folder attachment
member AS (
  SELECT DISTINCT ON (connection_id) connection_id, handle, direct, via_folder, attachment_id
    FROM route ORDER BY connection_id, direct DESC, seq
),
-- the member that joined first keeps a contested name
ranked AS (
  SELECT m.*, first_value(m.connection_id) OVER w AS winner, row_number() OVER w AS rank
    FROM member m
    LEFT JOIN schema_entries e ON e.workspace_id = $1 AND e.connection_id = m.connection_id
  WINDOW w AS (PARTITION BY m.handle ORDER BY e.entered NULLS LAST, m.connection_id COLLATE "C")
)
SELECT handle AS name,
       CASE WHEN rank > 1 THEN 'conflict' WHEN direct THEN 'direct' ELSE 'indirect' END AS state,
       connection_id, via_folder AS folder_id, attachment_id,
       CASE WHEN rank > 1 THEN winner END AS conflicts_with
  FROM ranked
 ORDER BY handle COLLATE "C", rank`;

/** A workspace's schemas, by name; within a name the holder first, then the conflicts. */
export async function workspaceSchemas(tx: Queryable, workspaceId: string): Promise<SchemaRow[]> {
  const { rows } = await tx.query<SchemaRow>(WORKSPACE_SCHEMAS_SQL, [workspaceId]);
  return rows;
}

/**
 * Members of any workspace among the connections with handle `$1` (a connection's rivals for its
 * name) and the connection `$2`, with their route and arrival; the same rules as above.
 */
const RIVAL_MEMBERS_CTE = `
WITH RECURSIVE
rival AS (
  SELECT id, folder_id FROM connections WHERE handle = $1 OR id = $2
),
up (connection_id, folder_id) AS (
  SELECT id, folder_id FROM rival WHERE folder_id IS NOT NULL
  UNION ALL
  SELECT up.connection_id, f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
),
route AS (
  SELECT a.workspace_id, a.connection_id, true AS direct, NULL::text AS via_folder, a.id AS attachment_id, a.seq
    FROM rival r JOIN attachments a ON a.connection_id = r.id
  UNION ALL
  SELECT a.workspace_id, up.connection_id, false, a.folder_id, a.id, a.seq
    FROM up JOIN attachments a ON a.folder_id = up.folder_id
),
member AS (
  SELECT DISTINCT ON (workspace_id, connection_id) workspace_id, connection_id, direct, via_folder, attachment_id
    FROM route ORDER BY workspace_id, connection_id, direct DESC, seq
)`;

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
    `${RIVAL_MEMBERS_CTE},
     ranked AS (
       SELECT m.*, first_value(m.connection_id) OVER w AS winner, row_number() OVER w AS rank
         FROM member m
         LEFT JOIN schema_entries e ON e.workspace_id = m.workspace_id AND e.connection_id = m.connection_id
       WINDOW w AS (PARTITION BY m.workspace_id ORDER BY e.entered NULLS LAST, m.connection_id COLLATE "C")
     )
     SELECT workspace_id,
            CASE WHEN rank > 1 THEN 'conflict' WHEN direct THEN 'direct' ELSE 'indirect' END AS state,
            attachment_id, via_folder AS folder_id, CASE WHEN rank > 1 THEN winner END AS conflicts_with
       FROM ranked
      WHERE connection_id = $2 AND ($3::text IS NULL OR workspace_id COLLATE "C" > $3)
      ORDER BY workspace_id COLLATE "C"
      LIMIT $4`,
    [(await handleOf(tx, connectionId)) ?? "", connectionId, page.afterWorkspace ?? null, page.limit],
  );
  return rows;
}

/**
 * Where renaming connection `connectionId` to `handle` would put two schemas of one name in a
 * workspace: the workspaces where it is a member together with another connection so named.
 */
export async function renameClashes(tx: Queryable, connectionId: string, handle: string): Promise<{ workspace_id: string; connection_id: string }[]> {
  const { rows } = await tx.query<{ workspace_id: string; connection_id: string }>(
    `${RIVAL_MEMBERS_CTE}
     SELECT o.workspace_id, o.connection_id
       FROM member o JOIN member me ON me.workspace_id = o.workspace_id AND me.connection_id = $2
      WHERE o.connection_id <> $2
      ORDER BY o.workspace_id COLLATE "C", o.connection_id COLLATE "C"`,
    [handle, connectionId],
  );
  return rows;
}

async function handleOf(tx: Queryable, connectionId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ handle: string }>("SELECT handle FROM connections WHERE id = $1", [connectionId]);
  return rows[0]?.handle;
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
