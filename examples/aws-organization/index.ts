// An AWS organization mirrored into Switchyard with Pulumi: every organizational unit a folder,
// every account a connection (through the role arn:aws:iam::<account>:role/switchyard, in every
// region), in a tenant; the production unit's folder shared with an analytics workspace and
// attached there, so each production account is a schema of the workspace. Changes in the
// organization (a renamed, moved, new or closed account) preview as exactly those changes.
//
//   pulumi config set switchyard:url http://127.0.0.1:8686
//   pulumi config set --secret switchyard:token "$SWITCHYARD_TOKEN"
//   pulumi config set tenantId tnt_…
//   pulumi preview --diff && pulumi up
//
// It mirrors the shipped export.json (`pulumi config set exportFile export-edited.json` for the
// edited one); `pulumi config set live true` reads the live organization with the AWS credentials
// of the environment instead (see README.md).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

export = async () => {
  const cfg = new pulumi.Config();
  const tenantId = cfg.require("tenantId");
  // The organizational unit whose accounts the analytics workspace gets, by its cloud id.
  const productionId = cfg.get("productionId") ?? "ou-7k2q-1a2bb809";

  const hierarchy = cfg.getBoolean("live")
    ? await sy.aws.readOrganization()
    : sy.aws.fromCliExport(JSON.parse(fs.readFileSync(path.join(__dirname, cfg.get("exportFile") ?? "export.json"), "utf8")));

  const org = new sy.Organization("cloud", { tenantId, handle: cfg.get("orgHandle") ?? "cloud", title: "Cloud estate" });
  const analytics = new sy.Workspace("analytics", { orgId: org.id, handle: "analytics", title: "Analytics" });

  // Folders and connections owned by the tenant, so they can be shared with any workspace in it.
  const mirror = new sy.AwsOrganizationMirror("aws", { scopeId: tenantId, hierarchy });

  const production = mirror.folderIds.apply((ids) => {
    if (!ids[productionId]) throw new Error(`no mirrored folder has cloud id "${productionId}": set productionId to an organizational unit id of the organization`);
    return ids[productionId];
  });
  const grant = new sy.Grant("production-to-analytics", { objectId: production, granteeId: analytics.id });
  new sy.SchemaAttachment("production-in-analytics", { workspaceId: analytics.id, objectId: production }, { dependsOn: [grant] });

  return { workspaceId: analytics.id, productionFolderId: production, folderIds: mirror.folderIds, connectionIds: mirror.connectionIds };
};
