-- Integrations (SPEC §6.3): a tenant's or organization's mirror of a cloud hierarchy. The folders
-- and connections it manages carry `managed_by` (the integration) and `cloud_id` (the node they
-- mirror); identity is the cloud id, unique per integration.

CREATE TABLE integrations (
  id                text PRIMARY KEY,
  tenant_id         text NOT NULL,
  scope_id          text NOT NULL REFERENCES scopes (id),
  type              text NOT NULL CHECK (type IN ('aws', 'azure', 'gcp')),
  handle            text NOT NULL CHECK (handle ~ '^[a-z]([a-z0-9]|_(?=[a-z0-9])){0,62}$'),
  title             text NOT NULL,
  -- { handlePrefix?, connection: { plugin, config (settings only) }, exclude?, maxDeleteFraction? }
  config            jsonb NOT NULL,
  -- the connection template's secret fields, encrypted (server/secrets.ts), bound to this integration
  secrets           jsonb NOT NULL DEFAULT '{}',
  parent_folder_id  text,
  root_folder_id    text NOT NULL,
  -- { at, by, summary, snapshotHash } of the last applied sync
  last_sync         jsonb,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  created_by        text,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  updated_by        text,
  -- unique in the tenant, organizations' integrations included
  CONSTRAINT integrations_tenant_handle UNIQUE (tenant_id, handle),
  FOREIGN KEY (root_folder_id, scope_id) REFERENCES folders (id, scope_id),
  FOREIGN KEY (parent_folder_id, scope_id) REFERENCES folders (id, scope_id)
);
CREATE INDEX integrations_scope ON integrations (scope_id);

ALTER TABLE folders ADD COLUMN cloud_id text;
ALTER TABLE connections ADD COLUMN cloud_id text;
-- one object per cloud node and integration; the root folder has no cloud id
CREATE UNIQUE INDEX folders_managed_cloud ON folders (managed_by, cloud_id) WHERE managed_by IS NOT NULL;
CREATE UNIQUE INDEX connections_managed_cloud ON connections (managed_by, cloud_id) WHERE managed_by IS NOT NULL;
