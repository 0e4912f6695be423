// Azure management groups mirrored into Switchyard with Pulumi: every management group a
// folder, every subscription a connection (through one service principal, whose secret stays
// secret), in a tenant; the production group's folder shared with an analytics workspace and
// attached there, so each production subscription is a schema of the workspace. Changes in the
// estate (a renamed, moved, new or removed subscription) preview as exactly those changes.
//
//   pulumi config set switchyard:url http://127.0.0.1:8686
//   pulumi config set --secret switchyard:token "$SWITCHYARD_TOKEN"
//   pulumi config set tenantId tnt_…
//   pulumi preview --diff && pulumi up
//
// It mirrors the shipped export.json (`pulumi config set exportFile export-edited.json` for the
// edited one); `pulumi config set live true` reads the live management groups below
// `azureTenantId` with DefaultAzureCredential instead (see README.md).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

export = async () => {
  const cfg = new pulumi.Config();
  const tenantId = cfg.require("tenantId");
  // The management group whose subscriptions the analytics workspace gets, by its cloud id.
  const productionId = cfg.get("productionId") ?? "mg-workloads-prod";

  const hierarchy = cfg.getBoolean("live")
    ? await sy.azure.readManagementGroups({ rootGroupId: cfg.require("azureTenantId") })
    : sy.azure.fromCliExport(JSON.parse(fs.readFileSync(path.join(__dirname, cfg.get("exportFile") ?? "export.json"), "utf8")));
  // The tenant root group's id is the Azure tenant id.
  const azureTenantId = cfg.get("azureTenantId") ?? hierarchy.nodes.find((n) => n.parentId === null)!.id;

  const org = new sy.Organization("cloud", { tenantId, handle: cfg.get("orgHandle") ?? "cloud", title: "Cloud estate" });
  const analytics = new sy.Workspace("analytics", { orgId: org.id, handle: "analytics", title: "Analytics" });

  // One service principal for every subscription; until you set its id and secret, the
  // connections hold placeholders (the mirror itself needs no Azure credentials).
  const mirror = new sy.AzureManagementGroupMirror("azure", {
    scopeId: tenantId,
    hierarchy,
    connection: {
      config: {
        tenantId: azureTenantId,
        clientId: cfg.get("azureClientId") ?? "00000000-0000-0000-0000-000000000000",
        clientSecret: cfg.getSecret("azureClientSecret") ?? "placeholder: pulumi config set --secret azureClientSecret …",
      },
    },
  });

  const production = mirror.folderIds.apply((ids) => {
    if (!ids[productionId]) throw new Error(`no mirrored folder has cloud id "${productionId}": set productionId to a management group id of the estate`);
    return ids[productionId];
  });
  const grant = new sy.Grant("production-to-analytics", { objectId: production, granteeId: analytics.id });
  new sy.SchemaAttachment("production-in-analytics", { workspaceId: analytics.id, objectId: production }, { dependsOn: [grant] });

  return { workspaceId: analytics.id, productionFolderId: production, folderIds: mirror.folderIds, connectionIds: mirror.connectionIds };
};
