import type { Queryable } from "../db/db";

/**
 * The order in which connections joined each workspace (`schema_entries`), which decides who keeps
 * a contested schema name. Every change that can add or remove a workspace's schemas calls
 * `syncEntries` for the workspaces it touches, in its own transaction, after the change and under
 * the tenant's sharing lock: members that left lose their row, newcomers get one, and the others
 * keep theirs, so a connection that never left keeps its place.
 */

/**
 * Rewrites the entries of `workspaceIds` to match their current members. Newcomers of one call
 * share one arrival number (they cannot share a handle: they come from one scope).
 */
export async function syncEntries(tx: Queryable, workspaceIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(workspaceIds)];
  if (ids.length === 0) return;
  await tx.query(
    `WITH RECURSIVE
     att AS (SELECT workspace_id, connection_id, folder_id FROM attachments WHERE workspace_id = ANY($1::text[])),
     walk (workspace_id, folder_id) AS (
       SELECT workspace_id, folder_id FROM att WHERE folder_id IS NOT NULL
       UNION
       SELECT w.workspace_id, f.id FROM folders f JOIN walk w ON f.parent_id = w.folder_id
     ),
     member AS (
       SELECT workspace_id, connection_id FROM att WHERE connection_id IS NOT NULL
       UNION
       SELECT w.workspace_id, c.id FROM walk w JOIN connections c ON c.folder_id = w.folder_id
     ),
     -- a data-modifying CTE runs even though nothing reads it
     gone AS (
       DELETE FROM schema_entries e
        WHERE e.workspace_id = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM member m WHERE m.workspace_id = e.workspace_id AND m.connection_id = e.connection_id)
     )
     INSERT INTO schema_entries (workspace_id, connection_id, entered)
     SELECT m.workspace_id, m.connection_id, (SELECT nextval('placement_seq'))
       FROM member m
      WHERE NOT EXISTS (SELECT 1 FROM schema_entries e WHERE e.workspace_id = m.workspace_id AND e.connection_id = m.connection_id)
     ON CONFLICT (workspace_id, connection_id) DO NOTHING`,
    [ids],
  );
}

/**
 * The workspaces that attached one of `folderIds` or a folder above one of them: those whose
 * schemas change when something is placed into or taken out of those folders.
 */
export async function workspacesReaching(tx: Queryable, folderIds: (string | null | undefined)[]): Promise<string[]> {
  const ids = folderIds.filter((f): f is string => typeof f === "string");
  if (ids.length === 0) return [];
  const { rows } = await tx.query<{ workspace_id: string }>(
    `WITH RECURSIVE up (id) AS (
       SELECT id FROM folders WHERE id = ANY($1::text[])
       UNION
       SELECT f.parent_id FROM folders f JOIN up ON f.id = up.id WHERE f.parent_id IS NOT NULL
     )
     SELECT DISTINCT workspace_id FROM attachments WHERE folder_id IN (SELECT id FROM up)`,
    [ids],
  );
  return rows.map((r) => r.workspace_id);
}
