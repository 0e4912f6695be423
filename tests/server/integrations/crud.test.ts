import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { awsIntegrationBody, createIntegration, estate, managed, syncOk } from "../../helpers/integrations";
import { attach, auditOf, folder, grant } from "../../helpers/sharing";
import { dumpText } from "../../helpers/snapshot";

const AZURE = {
  type: "azure",
  handle: "azure_estate",
  config: { connection: { config: { tenantId: "00000000-0000-4000-8000-000000000001", clientId: "00000000-0000-4000-8000-000000000002", clientSecret: "very-secret-value-42" } } },
};

describeEachDb("integrations: create, read, list, update (SPEC §6.3)", (ctx) => {
  it("creating one needs owner at its scope: 403 for an operator, 404 outside, 400 at a workspace", async () => {
    const t = ctx.t;
    const { org, ws } = await t.hierarchy();
    const operator = await t.user({ path: scopePath(org), role: "operator" });
    const stranger = await t.user();
    expect((await t.post(`/v1/orgs/${org.id}/integrations`, awsIntegrationBody("i_op"), { token: operator.token })).status).to.equal(403);
    expect((await t.post(`/v1/orgs/${org.id}/integrations`, awsIntegrationBody("i_st"), { token: stranger.token })).status).to.equal(404);
    const atWs = await t.post(`/v1/workspaces/${ws.id}/integrations`, awsIntegrationBody("i_ws"));
    expect(atWs.status).to.equal(400);
    expect(atWs.body.error.message).to.include("tenant or an organization");
  });

  it("creating one creates its root folder at its scope, under parentFolderId when given, managed by it", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const parent = await folder(t, org, { title: "Clouds" });
    const int = await createIntegration(t, org, { ...awsIntegrationBody("i_root"), title: "AWS estate", parentFolderId: parent.id });
    const root = await t.expect(200, "GET", `/v1/folders/${int.rootFolderId}`);
    expect(root).to.include({ scopeId: org.id, parentId: parent.id, title: "AWS estate", managedBy: int.id });
    expect(int).to.include({ scopeId: org.id, type: "aws", handle: "i_root", title: "AWS estate", parentFolderId: parent.id, lastSync: null, version: 1 });
  });

  it("a parentFolderId of another scope is 400 naming it", async () => {
    const t = ctx.t;
    const { tenant, org } = await t.hierarchy();
    const other = await folder(t, tenant);
    const res = await t.post(`/v1/orgs/${org.id}/integrations`, { ...awsIntegrationBody("i_pf"), parentFolderId: other.id });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("body.parentFolderId");
  });

  it("handles are unique in the tenant, organizations' integrations included (409)", async () => {
    const t = ctx.t;
    const { tenant, org } = await t.hierarchy();
    const org2 = await t.org(tenant.id);
    await createIntegration(t, tenant, awsIntegrationBody("shared_handle"));
    for (const scope of [org, org2]) {
      const res = await t.post(`/v1/${scopePath(scope)}/integrations`, awsIntegrationBody("shared_handle"));
      expect(res.status).to.equal(409);
      expect(res.body.error.details.field).to.equal("handle");
    }
    const otherTenant = await t.tenant();
    await createIntegration(t, otherTenant, awsIntegrationBody("shared_handle"));
  });

  it("read and list need a role at its scope (viewer reads, 404 outside); the ETag is the version", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("i_read"));
    const viewer = await t.user({ path: scopePath(org), role: "viewer" });
    const stranger = await t.user();
    const res = await t.get(`/v1/integrations/${int.id}`, { token: viewer.token });
    expect(res.status).to.equal(200);
    expect(res.headers.etag).to.equal('"1"');
    expect((await t.get(`/v1/integrations/${int.id}`, { token: stranger.token })).status).to.equal(404);
    const list = await t.expect(200, "GET", `/v1/orgs/${org.id}/integrations`, { token: viewer.token });
    expect(list.items.map((i: { id: string }) => i.id)).to.deep.equal([int.id]);
    expect((await t.get(`/v1/orgs/${org.id}/integrations`, { token: stranger.token })).status).to.equal(404);
  });

  it("PATCH changes title (and the root folder's) and config, honours If-Match, and is audited", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("i_patch"));
    expect((await t.patch(`/v1/integrations/${int.id}`, { title: "x" }, { headers: { "if-match": '"7"' } })).status).to.equal(412);
    const updated = await t.expect(200, "PATCH", `/v1/integrations/${int.id}`, { body: { title: "Renamed", config: { handlePrefix: "acct_", connection: { config: {} } } }, headers: { "if-match": '"1"' } });
    expect(updated).to.include({ title: "Renamed", version: 2 });
    expect(updated.config.handlePrefix).to.equal("acct_");
    expect((await t.expect(200, "GET", `/v1/folders/${int.rootFolderId}`)).title).to.equal("Renamed");
    const result = await syncOk(t, int.id, estate(0, 1));
    expect(result.operations[1].after.handle).to.equal("acct_account_0");
    expect((await auditOf(t, org, "integration.update"))[0].after.title).to.equal("Renamed");
  });

  it("Idempotency-Key: a retried create answers the first result, never a duplicate", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const headers = { "idempotency-key": t.unique("key") };
    const a = await t.expect(201, "POST", `/v1/orgs/${org.id}/integrations`, { body: awsIntegrationBody("i_idem"), headers });
    const b = await t.expect(201, "POST", `/v1/orgs/${org.id}/integrations`, { body: awsIntegrationBody("i_idem"), headers });
    expect(b.id).to.equal(a.id);
    expect((await t.expect(200, "GET", `/v1/orgs/${org.id}/integrations`)).items).to.have.length(1);
  });

  it("template secrets are encrypted and never returned: reads, lists, syncs, audit records and the database show no value", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, AZURE);
    expect(int.config.connection.config.clientSecret).to.include({ secret: true, set: true });
    expect(int.config.connection.config.subscriptionId).to.equal(undefined);
    const sub = "11111111-1111-4111-8111-111111111111";
    const result = await syncOk(t, int.id, { cloud: "azure", nodes: [{ id: "mg-root", kind: "folder", name: "Tenant Root", parentId: null }, { id: sub, kind: "leaf", name: "Prod", parentId: "mg-root" }] });
    const conn = (await managed(t, int.id)).connections.get(sub)!;
    const read = await t.expect(200, "GET", `/v1/connections/${conn.id}`);
    expect(read.config).to.include({ subscriptionId: sub, tenantId: "00000000-0000-4000-8000-000000000001" });
    expect(read.config.clientSecret).to.include({ secret: true, set: true });
    // a PATCH without the secret keeps it: the next sync changes nothing
    await t.expect(200, "PATCH", `/v1/integrations/${int.id}`, { body: { config: { connection: { config: { tenantId: "00000000-0000-4000-8000-000000000001", clientId: "00000000-0000-4000-8000-000000000002" } } } } });
    expect((await syncOk(t, int.id, { cloud: "azure", nodes: [{ id: "mg-root", kind: "folder", name: "Tenant Root", parentId: null }, { id: sub, kind: "leaf", name: "Prod", parentId: "mg-root" }] })).summary.unchanged).to.equal(2);
    const all = [JSON.stringify(int), JSON.stringify(result), JSON.stringify(await t.expect(200, "GET", `/v1/integrations/${int.id}`)), JSON.stringify(await t.expect(200, "GET", `/v1/orgs/${org.id}/integrations`)), JSON.stringify(await t.expect(200, "GET", `/v1/orgs/${org.id}/audit?limit=500`)), await dumpText(t.db), t.logLines.join("\n")].join("\n");
    expect(all).to.not.include("very-secret-value-42");
    // the value itself was stored: a workspace using the connection reads it (SPEC §3.5)
    const wsOfOrg = await t.workspace(org.id);
    await grant(t, int.rootFolderId, org.id);
    await attach(t, wsOfOrg.id, conn.id);
    const creds = await t.expect(200, "GET", `/v1/workspaces/${wsOfOrg.id}/connections/${conn.handle}/credentials`);
    expect(creds.config.clientSecret).to.equal("very-secret-value-42");
  });
});
