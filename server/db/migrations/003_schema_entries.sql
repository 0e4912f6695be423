-- When each connection joined each workspace's schemas (SPEC §5): among connections with the same
-- handle in one workspace, the one that joined first keeps the name. Which connections are
-- schemas is still computed from attachments and the folder tree at read time; this table only
-- remembers the order of arrival, which cannot be computed afterwards (a connection moved within
-- an attached folder, or still reachable through a second attachment, never left the workspace).
-- Every change to attachments or to the folder tree rewrites the rows of the workspaces it
-- touches in the same transaction (server/attachments/entries.ts).
CREATE TABLE schema_entries (
  workspace_id   text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
  connection_id  text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  entered        bigint NOT NULL,
  PRIMARY KEY (workspace_id, connection_id)
);
CREATE INDEX schema_entries_connection ON schema_entries (connection_id);

-- Rival connections with the same handle in other scopes (collision checks, a connection's workspaces).
CREATE INDEX connections_handle ON connections (handle);

-- Existing schemas keep the order the earlier rule gave them: the latest placement on the way
-- down from the attachment, earliest route per connection.
INSERT INTO schema_entries (workspace_id, connection_id, entered)
WITH RECURSIVE
walk (workspace_id, folder_id, entered) AS (
  SELECT a.workspace_id, a.folder_id, a.seq FROM attachments a WHERE a.folder_id IS NOT NULL
  UNION ALL
  SELECT w.workspace_id, f.id, greatest(w.entered, f.placed_seq) FROM folders f JOIN walk w ON f.parent_id = w.folder_id
),
route AS (
  SELECT a.workspace_id, a.connection_id, a.seq AS entered FROM attachments a WHERE a.connection_id IS NOT NULL
  UNION ALL
  SELECT w.workspace_id, c.id, greatest(w.entered, c.placed_seq) FROM walk w JOIN connections c ON c.folder_id = w.folder_id
)
SELECT workspace_id, connection_id, min(entered) FROM route GROUP BY workspace_id, connection_id;
