// A GCP organization mirrored into Switchyard with Pulumi: the organization and every folder a
// Switchyard folder, every project a connection (through one service-account key, which stays
// secret), in a tenant; the production folder shared with an analytics workspace and attached
// there, so each production project is a schema of the workspace. Changes in the organization
// (a renamed, moved, new or removed project) preview as exactly those changes.
//
//   pulumi config set switchyard:url http://127.0.0.1:8686
//   pulumi config set --secret switchyard:token "$SWITCHYARD_TOKEN"
//   pulumi config set tenantId tnt_…
//   pulumi preview --diff && pulumi up
//
// It mirrors the shipped export.json (`pulumi config set exportFile export-edited.json` for the
// edited one); `pulumi config set live true` reads the live tree below `gcpParent`
// (organizations/… or folders/…) with application default credentials instead (see README.md).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

export = async () => {
  const cfg = new pulumi.Config();
  const tenantId = cfg.require("tenantId");
  // The folder whose projects the analytics workspace gets, by its cloud id.
  const productionId = cfg.get("productionId") ?? "folders/583021750052";

  const hierarchy = cfg.getBoolean("live")
    ? await sy.gcp.readFolders({ parent: cfg.require("gcpParent") })
    : sy.gcp.fromCliExport(JSON.parse(fs.readFileSync(path.join(__dirname, cfg.get("exportFile") ?? "export.json"), "utf8")));

  const org = new sy.Organization("cloud", { tenantId, handle: cfg.get("orgHandle") ?? "cloud", title: "Cloud estate" });
  const analytics = new sy.Workspace("analytics", { orgId: org.id, handle: "analytics", title: "Analytics" });

  // One service-account key for every project; until you set it, the connections hold a
  // placeholder (the mirror itself needs no GCP credentials).
  const mirror = new sy.GcpFolderMirror("gcp", {
    scopeId: tenantId,
    hierarchy,
    connection: { config: { credentials: cfg.getSecret("gcpCredentials") ?? JSON.stringify({ type: "service_account", placeholder: "pulumi config set --secret gcpCredentials \"$(cat key.json)\"" }) } },
  });

  const production = mirror.folderIds.apply((ids) => {
    if (!ids[productionId]) throw new Error(`no mirrored folder has cloud id "${productionId}": set productionId to a folder id (folders/…) of the organization`);
    return ids[productionId];
  });
  const grant = new sy.Grant("production-to-analytics", { objectId: production, granteeId: analytics.id });
  new sy.SchemaAttachment("production-in-analytics", { workspaceId: analytics.id, objectId: production }, { dependsOn: [grant] });

  return { workspaceId: analytics.id, productionFolderId: production, folderIds: mirror.folderIds, connectionIds: mirror.connectionIds };
};
