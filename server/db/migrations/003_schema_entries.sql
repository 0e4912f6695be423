-- A workspace's schemas (SPEC §5), kept in step with attachments and the folder tree: one row
-- per connection that is a schema candidate of a workspace (attached itself, or below an attached
-- folder), with the route it comes through and when it joined. Among rows with the same handle in
-- one workspace, the one that joined first keeps the name. The order of arrival cannot be
-- computed afterwards (a connection moved within an attached folder, or still reachable through a
-- second attachment, never left the workspace), so it is recorded here. Every change to
-- attachments or to where connections sit rewrites the rows it touches, in its own transaction
-- (server/attachments/entries.ts).
CREATE TABLE schema_entries (
  workspace_id   text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
  connection_id  text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  -- the connection's handle (its schema name), kept equal by the trigger below; byte order
  handle         text COLLATE "C" NOT NULL,
  entered        bigint NOT NULL,
  -- the route: the connection's own attachment, else its earliest folder attachment (checked at
  -- commit, so a detach can delete the attachment before the entries move to another route)
  attachment_id  text NOT NULL REFERENCES attachments (id) DEFERRABLE INITIALLY DEFERRED,
  -- the attached folder it comes through; NULL when attached directly
  via_folder_id  text,
  PRIMARY KEY (workspace_id, connection_id)
);
CREATE INDEX schema_entries_connection ON schema_entries (connection_id);
CREATE INDEX schema_entries_attachment ON schema_entries (attachment_id);
-- A workspace's schemas in list order (by name, then arrival): pages read only what they show.
CREATE INDEX schema_entries_listing ON schema_entries (workspace_id, handle, entered, connection_id);

-- A rename renames the schema in every workspace, whichever code path renames.
CREATE FUNCTION schema_entries_follow_handle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE schema_entries SET handle = NEW.handle WHERE connection_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER schema_entries_follow_handle AFTER UPDATE OF handle ON connections
  FOR EACH ROW WHEN (OLD.handle IS DISTINCT FROM NEW.handle) EXECUTE FUNCTION schema_entries_follow_handle();

-- Existing schemas keep the order the earlier rule gave them: the latest placement on the way
-- down from the attachment, earliest route per connection.
INSERT INTO schema_entries (workspace_id, connection_id, handle, entered, attachment_id, via_folder_id)
WITH RECURSIVE
walk (workspace_id, attachment_id, root_id, seq, folder_id, entered) AS (
  SELECT a.workspace_id, a.id, a.folder_id, a.seq, a.folder_id, a.seq FROM attachments a WHERE a.folder_id IS NOT NULL
  UNION ALL
  SELECT w.workspace_id, w.attachment_id, w.root_id, w.seq, f.id, greatest(w.entered, f.placed_seq)
    FROM folders f JOIN walk w ON f.parent_id = w.folder_id
),
route AS (
  SELECT a.workspace_id, a.connection_id, c.handle, true AS direct, a.id AS attachment_id, NULL::text AS via_folder_id, a.seq, a.seq AS entered
    FROM attachments a JOIN connections c ON c.id = a.connection_id
  UNION ALL
  SELECT w.workspace_id, c.id, c.handle, false, w.attachment_id, w.root_id, w.seq, greatest(w.entered, c.placed_seq)
    FROM walk w JOIN connections c ON c.folder_id = w.folder_id
)
SELECT DISTINCT ON (workspace_id, connection_id) workspace_id, connection_id, handle,
       min(entered) OVER (PARTITION BY workspace_id, connection_id), attachment_id, via_folder_id
  FROM route
 ORDER BY workspace_id, connection_id, direct DESC, seq;
