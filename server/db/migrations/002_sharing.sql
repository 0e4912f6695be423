-- Grants and schema attachments (SPEC §4, §5), and the folder tree's guards (SPEC §2).

CREATE TABLE grants (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL,
  connection_id  text REFERENCES connections (id) ON DELETE CASCADE,
  folder_id      text REFERENCES folders (id) ON DELETE CASCADE,
  grantee_id     text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_by     text,
  CHECK ((connection_id IS NULL) <> (folder_id IS NULL))
);
CREATE UNIQUE INDEX grants_object_grantee ON grants (coalesce(connection_id, folder_id), grantee_id);
CREATE INDEX grants_grantee ON grants (grantee_id);
CREATE INDEX grants_folder ON grants (folder_id) WHERE folder_id IS NOT NULL;
CREATE INDEX grants_connection ON grants (connection_id) WHERE connection_id IS NOT NULL;

CREATE TABLE attachments (
  id             text PRIMARY KEY,
  workspace_id   text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
  connection_id  text REFERENCES connections (id) ON DELETE CASCADE,
  folder_id      text REFERENCES folders (id) ON DELETE CASCADE,
  seq            bigint NOT NULL DEFAULT nextval('placement_seq'),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_by     text,
  CHECK ((connection_id IS NULL) <> (folder_id IS NULL))
);
CREATE UNIQUE INDEX attachments_workspace_object ON attachments (workspace_id, coalesce(connection_id, folder_id));
CREATE INDEX attachments_folder ON attachments (folder_id) WHERE folder_id IS NOT NULL;
CREATE INDEX attachments_connection ON attachments (connection_id) WHERE connection_id IS NOT NULL;

-- The folder tree's invariants, guaranteed here so that racing moves on different replicas
-- cannot break them: no cycles, bounded depth. The advisory lock serialises tree changes within
-- one scope; each query below then runs on a fresh snapshot (volatile plpgsql, READ COMMITTED)
-- and so sees a move that committed while this one waited.
CREATE FUNCTION folders_guard_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  max_depth constant integer := 32;
  parent_depth integer := 0;
  makes_cycle boolean := false;
  subtree_height integer := 1;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('switchyard.folders:' || NEW.scope_id));
  IF NEW.parent_id IS NOT NULL THEN
    WITH RECURSIVE up (id, parent_id, depth) AS (
      SELECT id, parent_id, 1 FROM folders WHERE id = NEW.parent_id
      UNION ALL
      SELECT f.id, f.parent_id, up.depth + 1 FROM folders f JOIN up ON f.id = up.parent_id
      WHERE up.depth <= max_depth + 1 AND up.id <> NEW.id
    )
    SELECT coalesce(bool_or(id = NEW.id), false), coalesce(max(depth), 0) INTO makes_cycle, parent_depth FROM up;
    IF makes_cycle THEN
      RAISE EXCEPTION 'moving folder % under % would create a cycle', NEW.id, NEW.parent_id USING ERRCODE = 'SY001';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    WITH RECURSIVE down (id, height) AS (
      SELECT NEW.id, 1
      UNION ALL
      SELECT f.id, down.height + 1 FROM folders f JOIN down ON f.parent_id = down.id WHERE down.height <= max_depth
    )
    SELECT max(height) INTO subtree_height FROM down;
  END IF;
  IF parent_depth + subtree_height > max_depth THEN
    RAISE EXCEPTION 'folders nest at most % levels deep', max_depth USING ERRCODE = 'SY002';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER folders_guard_tree BEFORE INSERT OR UPDATE OF parent_id ON folders
  FOR EACH ROW EXECUTE FUNCTION folders_guard_tree();
