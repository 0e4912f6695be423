-- Scopes, people, connections, audit and idempotency: the core model (SPEC §1, §3, §7).

CREATE TABLE scopes (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('tenant', 'org', 'workspace')),
  parent_id   text REFERENCES scopes (id),
  tenant_id   text NOT NULL,
  handle      text NOT NULL,
  title       text NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text,
  CHECK ((kind = 'tenant') = (parent_id IS NULL)),
  CHECK (kind <> 'tenant' OR tenant_id = id)
);
-- Handles are unique among siblings; tenants are siblings of each other.
CREATE UNIQUE INDEX scopes_root_handle ON scopes (handle) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX scopes_child_handle ON scopes (parent_id, handle) WHERE parent_id IS NOT NULL;
CREATE INDEX scopes_tenant ON scopes (tenant_id);

CREATE TABLE users (
  id          text PRIMARY KEY,
  handle      text NOT NULL UNIQUE,
  title       text NOT NULL,
  is_admin    boolean NOT NULL DEFAULT false,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text
);

CREATE TABLE memberships (
  scope_id    text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('viewer', 'editor', 'operator', 'owner')),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- A token is stored as a SHA-256 hash; its short public prefix finds the row.
CREATE TABLE tokens (
  id          text PRIMARY KEY,
  prefix      text NOT NULL UNIQUE,
  hash        text NOT NULL,
  name        text NOT NULL,
  user_id     text REFERENCES users (id) ON DELETE CASCADE,
  scope_id    text REFERENCES scopes (id) ON DELETE CASCADE,
  role        text CHECK (role IN ('viewer', 'editor', 'operator', 'owner')),
  expires_at  timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  -- a token acts for a user, or is a service token bound to one scope with one role
  CHECK ((user_id IS NOT NULL AND scope_id IS NULL AND role IS NULL)
      OR (user_id IS NULL AND scope_id IS NOT NULL AND role IS NOT NULL))
);

-- Orders joining events (attach, create, move) so the first arrival keeps a contested schema name.
CREATE SEQUENCE placement_seq;

CREATE TABLE folders (
  id          text PRIMARY KEY,
  scope_id    text NOT NULL REFERENCES scopes (id),
  parent_id   text,
  handle      text,
  title       text NOT NULL,
  managed_by  text,
  placed_seq  bigint NOT NULL DEFAULT nextval('placement_seq'),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text,
  UNIQUE (id, scope_id),
  -- a parent folder must belong to the same scope
  FOREIGN KEY (parent_id, scope_id) REFERENCES folders (id, scope_id),
  CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX folders_scope ON folders (scope_id);
CREATE INDEX folders_parent ON folders (parent_id);
CREATE UNIQUE INDEX folders_sibling_handle ON folders (scope_id, coalesce(parent_id, ''), handle) WHERE handle IS NOT NULL;

CREATE TABLE connections (
  id          text PRIMARY KEY,
  scope_id    text NOT NULL REFERENCES scopes (id),
  folder_id   text,
  handle      text NOT NULL,
  title       text NOT NULL,
  description text NOT NULL DEFAULT '',
  plugin      text NOT NULL,
  config      jsonb NOT NULL,
  secrets     jsonb NOT NULL DEFAULT '{}',
  managed_by  text,
  placed_seq  bigint NOT NULL DEFAULT nextval('placement_seq'),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text,
  UNIQUE (scope_id, handle),
  -- a connection's folder must belong to the connection's scope
  FOREIGN KEY (folder_id, scope_id) REFERENCES folders (id, scope_id),
  CHECK (handle ~ '^[a-z]([a-z0-9]|_(?=[a-z0-9])){0,62}$' AND handle NOT IN ('public', 'information_schema') AND handle NOT LIKE 'pg\_%')
);
CREATE INDEX connections_folder ON connections (folder_id);

CREATE TABLE audit_log (
  seq          bigserial PRIMARY KEY,
  tenant_id    text,
  scope_path   text[] NOT NULL DEFAULT '{}',
  actor_id     text,
  action       text NOT NULL,
  target_type  text NOT NULL,
  target_id    text NOT NULL,
  before       jsonb,
  after        jsonb,
  request_id   text,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_scope_path ON audit_log USING gin (scope_path);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

-- A replayed create returns the first response; the row is written in the create's transaction.
CREATE TABLE idempotency_keys (
  principal_id text NOT NULL,
  key          text NOT NULL,
  method       text NOT NULL,
  path         text NOT NULL,
  body_hash    text NOT NULL,
  status       integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal_id, key)
);
