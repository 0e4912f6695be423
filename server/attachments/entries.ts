import type { Queryable } from "../db/db";

/**
 * Keeps `schema_entries` (each workspace's schema candidates, their route and their order of
 * arrival) in step with attachments and the folder tree. Every change that can add or remove a
 * workspace's schemas, or change the route one comes through, calls one of these in its own
 * transaction, after the change and under the tenant's sharing lock:
 *   - attachments of a workspace added or removed → syncWorkspaces
 *   - a connection created in a folder or moved, or a folder moved → syncConnections
 *   - a connection or workspace deleted → the rows go with it (foreign keys)
 * Rows of candidates that left are deleted, newcomers are inserted, and the others keep their
 * arrival (a connection that never left keeps its place) with their route brought up to date.
 * Newcomers of one call share one arrival number: they cannot share a handle, as one call brings
 * connections of one scope. tests/server/sharing-model.test.ts checks the result after every step.
 *
 * Subqueries with OFFSET 0 stay unflattened so that each step of a walk is an index lookup (the
 * planner cannot size recursive walks and would otherwise hash whole tables).
 */

/**
 * The rewrite, given `route` (every route of the candidates concerned) and %EXISTING% (a condition
 * selecting the entries concerned). Only differences are written: rows that are already right are
 * not touched (not even locked), which matters when a move concerns thousands of connections.
 */
const REWRITE_FROM_ROUTES = `
     -- each candidate's route: its own attachment first, else the earliest folder attachment
     member AS (
       SELECT DISTINCT ON (workspace_id, connection_id) workspace_id, connection_id, handle, attachment_id, via_folder_id
         FROM route ORDER BY workspace_id, connection_id, (via_folder_id IS NULL) DESC, seq
     ),
     existing AS (
       SELECT workspace_id, connection_id, attachment_id FROM schema_entries e WHERE %EXISTING%
     ),
     -- a data-modifying CTE runs even though nothing reads it
     gone AS (
       DELETE FROM schema_entries e USING existing x
        WHERE e.workspace_id = x.workspace_id AND e.connection_id = x.connection_id
          AND NOT EXISTS (SELECT 1 FROM member m WHERE m.workspace_id = x.workspace_id AND m.connection_id = x.connection_id)
     )
     INSERT INTO schema_entries AS e (workspace_id, connection_id, handle, entered, attachment_id, via_folder_id)
     SELECT m.workspace_id, m.connection_id, m.handle, (SELECT nextval('placement_seq')), m.attachment_id, m.via_folder_id
       FROM member m
      WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.workspace_id = m.workspace_id AND x.connection_id = m.connection_id AND x.attachment_id = m.attachment_id)
     -- a candidate already there keeps its arrival; only its route changes
     ON CONFLICT (workspace_id, connection_id) DO UPDATE SET attachment_id = excluded.attachment_id, via_folder_id = excluded.via_folder_id`;

/** After attachments of `workspaceIds` changed: rewrites those workspaces' entries. */
/**
 * The workspaces whose view of a folder's contents changes when the folder moves from below
 * `oldParent` to below `newParent`: those that attached a folder above it on one side only.
 * (An attachment above it on both sides, or of it or something below it, sees the same.)
 */
export async function workspacesSeeingMove(tx: Queryable, oldAncestors: string[], newAncestors: string[]): Promise<string[]> {
  const changed = [...oldAncestors.filter((f) => !newAncestors.includes(f)), ...newAncestors.filter((f) => !oldAncestors.includes(f))];
  if (changed.length === 0) return [];
  const { rows } = await tx.query<{ workspace_id: string }>("SELECT DISTINCT workspace_id FROM attachments WHERE folder_id = ANY($1::text[])", [changed]);
  return rows.map((r) => r.workspace_id);
}

export async function syncWorkspaces(tx: Queryable, workspaceIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(workspaceIds)];
  if (ids.length === 0) return;
  await tx.query(
    `WITH RECURSIVE
     att AS (SELECT id, workspace_id, connection_id, folder_id, seq FROM attachments WHERE workspace_id = ANY($1::text[])),
     walk (workspace_id, attachment_id, root_id, seq, folder_id) AS (
       SELECT workspace_id, id, folder_id, seq, folder_id FROM att WHERE folder_id IS NOT NULL
       UNION ALL
       SELECT w.workspace_id, w.attachment_id, w.root_id, w.seq, f.id
         FROM walk w CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = w.folder_id OFFSET 0) f
     ),
     route AS (
       SELECT a.workspace_id, a.connection_id, c.handle, a.id AS attachment_id, NULL::text AS via_folder_id, a.seq
         FROM att a JOIN connections c ON c.id = a.connection_id
       UNION ALL
       SELECT w.workspace_id, c.id, c.handle, w.attachment_id, w.root_id, w.seq
         FROM walk w CROSS JOIN LATERAL (SELECT id, handle FROM connections WHERE folder_id = w.folder_id OFFSET 0) c
     ),
     ${REWRITE_FROM_ROUTES.replace("%EXISTING%", "e.workspace_id = ANY($1::text[])")}`,
    [ids],
  );
}

/**
 * After connections were placed (created in a folder, moved, or a folder above them moved):
 * rewrites the entries of those connections, in every workspace or only in `inWorkspaces` (those
 * whose view of them can have changed). `folderId` stands for every connection below that folder.
 */
export async function syncConnections(tx: Queryable, placed: { connectionIds?: string[]; folderId?: string }, inWorkspaces?: string[]): Promise<void> {
  if (inWorkspaces?.length === 0) return;
  await tx.query(
    `WITH RECURSIVE
     below (id) AS (
       SELECT id FROM folders WHERE id = $2
       UNION ALL
       SELECT f.id FROM below b CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = b.id OFFSET 0) f
     ),
     placed (id, folder_id, handle) AS (
       SELECT id, folder_id, handle FROM connections WHERE id = ANY($1::text[])
       UNION
       SELECT c.id, c.folder_id, c.handle FROM below b CROSS JOIN LATERAL (SELECT id, folder_id, handle FROM connections WHERE folder_id = b.id OFFSET 0) c
     ),
     -- each placed connection with every folder above it
     up (connection_id, handle, folder_id) AS (
       SELECT id, handle, folder_id FROM placed WHERE folder_id IS NOT NULL
       UNION ALL
       SELECT up.connection_id, up.handle, f.parent_id
         FROM up CROSS JOIN LATERAL (SELECT parent_id FROM folders WHERE id = up.folder_id AND parent_id IS NOT NULL OFFSET 0) f
     ),
     route AS (
       SELECT a.workspace_id, a.connection_id, p.handle, a.id AS attachment_id, NULL::text AS via_folder_id, a.seq
         FROM placed p JOIN attachments a ON a.connection_id = p.id
        WHERE $3::text[] IS NULL OR a.workspace_id = ANY($3::text[])
       UNION ALL
       SELECT a.workspace_id, up.connection_id, up.handle, a.id, a.folder_id, a.seq
         FROM up JOIN attachments a ON a.folder_id = up.folder_id
        WHERE $3::text[] IS NULL OR a.workspace_id = ANY($3::text[])
     ),
     ${REWRITE_FROM_ROUTES.replace("%EXISTING%", "e.connection_id = ANY (ARRAY(SELECT id FROM placed)) AND ($3::text[] IS NULL OR e.workspace_id = ANY($3::text[]))")}`,
    [placed.connectionIds ?? [], placed.folderId ?? null, inWorkspaces ?? null],
  );
}
