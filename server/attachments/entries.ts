import type { Queryable } from "../db/db";

/**
 * The order in which connections joined each workspace (`schema_entries`), which decides who keeps
 * a contested schema name. Every change that can add or remove schemas calls one of the functions
 * below in its own transaction, after the change and under the tenant's sharing lock: members
 * that left lose their row, newcomers get one, and the others keep theirs, so a connection that
 * never left keeps its place. Newcomers of one call share one arrival number (they cannot share a
 * handle: one call brings connections of one scope).
 *
 * Subqueries with OFFSET 0 stay unflattened so each step is an index lookup (see queries.ts).
 */

/** After attachments of `workspaceIds` changed: rewrites those workspaces' entries. */
export async function syncWorkspaces(tx: Queryable, workspaceIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(workspaceIds)];
  if (ids.length === 0) return;
  await tx.query(
    `WITH RECURSIVE
     att AS (SELECT workspace_id, connection_id, folder_id FROM attachments WHERE workspace_id = ANY($1::text[])),
     walk (workspace_id, folder_id) AS (
       SELECT workspace_id, folder_id FROM att WHERE folder_id IS NOT NULL
       UNION
       SELECT w.workspace_id, f.id FROM walk w CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = w.folder_id OFFSET 0) f
     ),
     member AS (
       SELECT workspace_id, connection_id FROM att WHERE connection_id IS NOT NULL
       UNION
       SELECT w.workspace_id, c.id FROM walk w CROSS JOIN LATERAL (SELECT id FROM connections WHERE folder_id = w.folder_id OFFSET 0) c
     ),
     -- a data-modifying CTE runs even though nothing reads it
     gone AS (
       DELETE FROM schema_entries e
        WHERE e.workspace_id = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM member m WHERE m.workspace_id = e.workspace_id AND m.connection_id = e.connection_id)
     )
     -- members that already have a row keep it (and their place)
     INSERT INTO schema_entries (workspace_id, connection_id, entered)
     SELECT m.workspace_id, m.connection_id, (SELECT nextval('placement_seq')) FROM member m
     ON CONFLICT (workspace_id, connection_id) DO NOTHING`,
    [ids],
  );
}

/**
 * After connections were placed (created in, or moved into or out of a folder, or a folder above
 * them moved): rewrites the entries of those connections in every workspace. `folderId` stands
 * for every connection below that folder.
 */
export async function syncConnections(tx: Queryable, placed: { connectionIds?: string[]; folderId?: string }): Promise<void> {
  await tx.query(
    `WITH RECURSIVE
     below (id) AS (
       SELECT id FROM folders WHERE id = $2
       UNION ALL
       SELECT f.id FROM below b CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = b.id OFFSET 0) f
     ),
     placed (id, folder_id) AS (
       SELECT id, folder_id FROM connections WHERE id = ANY($1::text[])
       UNION
       SELECT c.id, c.folder_id FROM below b CROSS JOIN LATERAL (SELECT id, folder_id FROM connections WHERE folder_id = b.id OFFSET 0) c
     ),
     -- each placed connection with every folder above it
     up (connection_id, folder_id) AS (
       SELECT id, folder_id FROM placed WHERE folder_id IS NOT NULL
       UNION ALL
       SELECT up.connection_id, f.parent_id
         FROM up CROSS JOIN LATERAL (SELECT parent_id FROM folders WHERE id = up.folder_id AND parent_id IS NOT NULL OFFSET 0) f
     ),
     member AS (
       SELECT a.workspace_id, a.connection_id FROM placed p JOIN attachments a ON a.connection_id = p.id
       UNION
       SELECT a.workspace_id, up.connection_id FROM up JOIN attachments a ON a.folder_id = up.folder_id
     ),
     gone AS (
       DELETE FROM schema_entries e
        WHERE e.connection_id = ANY (ARRAY(SELECT id FROM placed))
          AND NOT EXISTS (SELECT 1 FROM member m WHERE m.workspace_id = e.workspace_id AND m.connection_id = e.connection_id)
     )
     -- members that already have a row keep it (and their place)
     INSERT INTO schema_entries (workspace_id, connection_id, entered)
     SELECT m.workspace_id, m.connection_id, (SELECT nextval('placement_seq')) FROM member m
     ON CONFLICT (workspace_id, connection_id) DO NOTHING`,
    [placed.connectionIds ?? [], placed.folderId ?? null],
  );
}
