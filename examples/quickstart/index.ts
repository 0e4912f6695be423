// A shared folder of connections, granted to a workspace and attached there: every connection
// in the folder becomes a PostgreSQL schema of the workspace, now and as the folder grows.
//
//   pulumi config set switchyard:url http://127.0.0.1:8686
//   pulumi config set --secret switchyard:token "$(cat ../../.switchyard/bootstrap-token)"
//   pulumi config set tenantId tnt_…   &&   pulumi config set workspaceId ws_…
//   pulumi config set --secret warehousePassword …
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

const cfg = new pulumi.Config();
const tenantId = cfg.require("tenantId");
const workspaceId = cfg.require("workspaceId");

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

const grant = new sy.Grant("analytics-to-workspace", { objectId: analytics.id, granteeId: workspaceId });
new sy.SchemaAttachment("analytics-in-workspace", { workspaceId, objectId: analytics.id }, { dependsOn: [grant] });

export const schemas = [warehouse.handle, lake.handle];
