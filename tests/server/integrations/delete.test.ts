import { expect } from "chai";
import { describeEachDb } from "../../helpers/app";
import { awsIntegrationBody, createIntegration, estate, managed, syncOk } from "../../helpers/integrations";
import { attach, auditOf, grant, schemaStates } from "../../helpers/sharing";
import { rowCounts } from "../../helpers/snapshot";

describeEachDb("integrations: delete removes it and everything it manages (SPEC §6.3)", (ctx) => {
  it("dryRun=true lists what would go and changes nothing; confirm=<handle> is required; then everything goes and schemas leave every workspace", async () => {
    const t = ctx.t;
    const { org, ws } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("to_delete"));
    await syncOk(t, int.id, estate(2, 4));
    const g = await grant(t, int.rootFolderId, org.id);
    const a = await attach(t, ws.id, int.rootFolderId);
    expect(await schemaStates(t, ws.id)).to.have.length(4);
    const m = await managed(t, int.id);

    const before = await rowCounts(t.db);
    const dry = await t.expect(200, "DELETE", `/v1/integrations/${int.id}?dryRun=true`);
    expect(dry).to.include({ dryRun: true, deleted: false });
    expect(dry.folders).to.have.length(4);
    expect(dry.connections.sort()).to.deep.equal([...m.connections.values()].map((c) => c.id).sort());
    expect(dry.grants.map((x: { id: string }) => x.id)).to.deep.equal([g.id]);
    expect(dry.attachments.map((x: { id: string }) => x.id)).to.deep.equal([a.id]);
    expect(dry.workspaces).to.deep.equal([ws.id]);
    expect(await rowCounts(t.db)).to.deep.equal(before);

    const noConfirm = await t.del(`/v1/integrations/${int.id}`);
    expect(noConfirm.status).to.equal(400);
    expect(noConfirm.body.error.message).to.include("confirm=to_delete");
    expect((await t.del(`/v1/integrations/${int.id}?confirm=to_delete`, { headers: { "if-match": '"9"' } })).status).to.equal(412);

    const done = await t.expect(200, "DELETE", `/v1/integrations/${int.id}?confirm=to_delete`);
    expect(done).to.include({ dryRun: false, deleted: true });
    expect((await t.get(`/v1/integrations/${int.id}`)).status).to.equal(404);
    expect((await t.get(`/v1/folders/${int.rootFolderId}`)).status).to.equal(404);
    expect((await managed(t, int.id)).connections.size).to.equal(0);
    expect(await schemaStates(t, ws.id)).to.deep.equal([]);
    const after = await rowCounts(t.db);
    expect(after.schema_entries).to.equal(before.schema_entries - 4);
    expect((await auditOf(t, org, "integration.delete"))[0].targetId).to.equal(int.id);
    expect((await auditOf(t, org, "connection.delete")).filter((r) => r.after?.deletedWithIntegration === int.id)).to.have.length(4);
    // the handle is free again
    await createIntegration(t, org, awsIntegrationBody("to_delete"));
  });

  it("deleting needs owner at its scope (403 for an operator) and is 404 outside", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("del_roles"));
    const operator = await t.user({ path: `orgs/${org.id}`, role: "operator" });
    const stranger = await t.user();
    expect((await t.del(`/v1/integrations/${int.id}?confirm=del_roles`, { token: operator.token })).status).to.equal(403);
    expect((await t.del(`/v1/integrations/${int.id}?confirm=del_roles`, { token: stranger.token })).status).to.equal(404);
    expect((await t.post(`/v1/integrations/${int.id}/sync`, estate(0, 1), { token: operator.token })).status).to.equal(403);
  });
});
