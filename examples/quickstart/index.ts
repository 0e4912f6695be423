// A tenant's shared folder of connections, granted to a workspace this program makes and attached
// there: every connection in the folder becomes a PostgreSQL schema of the workspace, now and as
// the folder grows. All it needs is a tenant id and a token (see the README of this folder).
//
//   pulumi config set switchyard:url http://127.0.0.1:8686
//   pulumi config set --secret switchyard:token "$SWITCHYARD_TOKEN"
//   pulumi config set tenantId tnt_…
//   pulumi config set --secret warehousePassword …
//   pulumi preview --diff && pulumi up
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

const cfg = new pulumi.Config();
const tenantId = cfg.require("tenantId");

// The organization and workspace the data is shared into.
const org = new sy.Organization("data-platform", { tenantId, handle: cfg.get("orgHandle") ?? "data_platform", title: "Data platform" });
const workspace = new sy.Workspace("analytics", { orgId: org.id, handle: "analytics", title: "Analytics" });

// A folder of connections owned by the tenant, so it can be shared with any workspace in it.
const analytics = new sy.Folder("analytics", { scopeId: tenantId, title: "Analytics" });

const warehouse = new sy.Connection("warehouse", {
  scopeId: tenantId,
  folderId: analytics.id,
  plugin: "postgres",
  title: "Warehouse",
  config: {
    host: "warehouse.internal",
    port: 5432,
    database: "warehouse",
    user: "analytics",
    password: cfg.requireSecret("warehousePassword"),
  },
});

const lake = new sy.Connection("lake", {
  scopeId: tenantId,
  folderId: analytics.id,
  plugin: "s3",
  handle: "lake",
  config: { bucket: "acme-data-lake", region: "eu-west-1" },
});

const grant = new sy.Grant("analytics-to-workspace", { objectId: analytics.id, granteeId: workspace.id });
new sy.SchemaAttachment("analytics-in-workspace", { workspaceId: workspace.id, objectId: analytics.id }, { dependsOn: [grant] });

export const workspaceId = workspace.id;
export const schemas = [warehouse.handle, lake.handle];
