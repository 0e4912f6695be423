// Connections kept as data in the repository (connections.json), applied by CI: every pull
// request shows `pulumi preview --diff`, every merge runs `pulumi up --yes` (see deploy.sh and
// .github/workflows/switchyard.yml). All settings come from the environment:
//
//   SWITCHYARD_URL, SWITCHYARD_TOKEN     where the service is and the token to use
//   SWITCHYARD_TENANT_ID                 the tenant that holds everything (tnt_…)
//   SWITCHYARD_WORKSPACE_HANDLE          optional: the workspace's handle (default "reporting")
//   one variable per secret a connection names with "secretFrom" in connections.json
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

interface ConnectionSpec {
  handle: string;
  title?: string;
  plugin: string;
  config: Record<string, unknown>;
  /** Secret config fields, each read from the named environment variable. */
  secretFrom?: Record<string, string>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this program takes its settings from the environment (see deploy.sh)`);
  return value;
}

const tenantId = required("SWITCHYARD_TENANT_ID");
const specs: ConnectionSpec[] = JSON.parse(fs.readFileSync(path.join(__dirname, "connections.json"), "utf8"));

const org = new sy.Organization("reporting-org", { tenantId, handle: "reporting" });
const workspace = new sy.Workspace("reporting", { orgId: org.id, handle: process.env.SWITCHYARD_WORKSPACE_HANDLE ?? "reporting" });
const folder = new sy.Folder("shared", { scopeId: org.id, title: "Shared with reporting" });

const connections = specs.map((spec) => {
  const secrets = Object.fromEntries(Object.entries(spec.secretFrom ?? {}).map(([field, variable]) => [field, pulumi.secret(required(variable))]));
  return new sy.Connection(spec.handle, { scopeId: org.id, folderId: folder.id, plugin: spec.plugin, handle: spec.handle, title: spec.title, config: { ...spec.config, ...secrets } });
});

const grant = new sy.Grant("shared-to-reporting", { objectId: folder.id, granteeId: workspace.id });
new sy.SchemaAttachment("shared-in-reporting", { workspaceId: workspace.id, objectId: folder.id }, { dependsOn: [grant] });

export const schemas = connections.map((c) => c.handle);
