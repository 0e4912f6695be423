import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { account, awsIntegrationBody, createIntegration, estate, managed, sync, syncOk } from "../../helpers/integrations";
import { attach, auditOf, grant, schemaStates } from "../../helpers/sharing";
import { rowCounts } from "../../helpers/snapshot";

describeEachDb("integrations: sync (SPEC §6.2–6.3)", (ctx) => {
  it("folder nodes become nested folders under the root folder, leaves connections in their parent's folder, with handles and configs from the template", async () => {
    const t = ctx.t;
    const { tenant } = await t.hierarchy();
    const int = await createIntegration(t, tenant, awsIntegrationBody("estate_a"));
    const result = await syncOk(t, int.id, estate(2, 4));
    expect(result.dryRun).to.equal(false);
    expect(result.summary).to.deep.equal({ create: 7, update: 0, move: 0, rename: 0, delete: 0, unchanged: 0 });
    const m = await managed(t, int.id);
    const root = m.folders.get("(root)")!;
    expect(root.id).to.equal(int.rootFolderId);
    expect(m.folders.get("r-root")!.parent_id).to.equal(root.id);
    expect(m.folders.get("ou-1")!.parent_id).to.equal(m.folders.get("r-root")!.id);
    const c = m.connections.get(account(3))!;
    expect(c).to.include({ handle: "aws_account_3", title: "account 3", folder_id: m.folders.get("ou-1")!.id });
    expect(c.config.roleArn).to.equal(`arn:aws:iam::${account(3)}:role/switchyard`);
    const read = await t.expect(200, "GET", `/v1/connections/${c.id}`);
    expect(read.managedBy).to.equal(int.id);
    const op = result.operations.find((o: { cloudId: string }) => o.cloudId === account(3));
    expect(op).to.include({ op: "create", kind: "connection", objectId: c.id });
  });

  it("the same snapshot twice changes nothing the second time (all unchanged)", async () => {
    const t = ctx.t;
    const { tenant } = await t.hierarchy();
    const int = await createIntegration(t, tenant, awsIntegrationBody("estate_b"));
    await syncOk(t, int.id, estate(3, 10));
    const before = await rowCounts(t.db);
    const again = await syncOk(t, int.id, estate(3, 10));
    expect(again.summary).to.deep.equal({ create: 0, update: 0, move: 0, rename: 0, delete: 0, unchanged: 14 });
    expect(again.operations).to.deep.equal([]);
    const after = await rowCounts(t.db);
    // only the sync's own audit record is new
    expect({ ...after, audit_log: after.audit_log - 1 }).to.deep.equal(before);
  });

  it("identity is the cloud id: a renamed account keeps its connection with a new title and handle, and its schema is renamed in every workspace", async () => {
    const t = ctx.t;
    const { tenant, org, ws } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_c"));
    await syncOk(t, int.id, estate(1, 2));
    await grant(t, int.rootFolderId, org.id);
    await attach(t, ws.id, int.rootFolderId);
    expect(await schemaStates(t, ws.id)).to.deep.equal(["aws_account_0:indirect", "aws_account_1:indirect"]);
    const id = (await managed(t, int.id)).connections.get(account(1))!.id;
    const renamed = await syncOk(t, int.id, estate(1, 2, (n) => (n === 1 ? "Payments Prod" : `account ${n}`)));
    expect(renamed.summary).to.include({ rename: 1, unchanged: 3 });
    expect(renamed.operations[0]).to.deep.include({ op: "rename", kind: "connection", cloudId: account(1), objectId: id });
    expect(renamed.operations[0].before).to.include({ handle: "aws_account_1", title: "account 1" });
    expect(renamed.operations[0].after).to.include({ handle: "aws_payments_prod", title: "Payments Prod" });
    expect((await managed(t, int.id)).connections.get(account(1))!.id).to.equal(id);
    expect(await schemaStates(t, ws.id)).to.deep.equal(["aws_account_0:indirect", "aws_payments_prod:indirect"]);
    void tenant;
  });

  it("a moved account is the same connection in another folder; a schema follows it out of an attached folder", async () => {
    const t = ctx.t;
    const { org, ws } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_d"));
    await syncOk(t, int.id, estate(2, 2));
    const m = await managed(t, int.id);
    await grant(t, int.rootFolderId, org.id);
    await attach(t, ws.id, m.folders.get("ou-0")!.id);
    expect(await schemaStates(t, ws.id)).to.deep.equal(["aws_account_0:indirect"]);
    const moved = estate(2, 2);
    moved.nodes.find((n) => n.id === account(0))!.parentId = "ou-1";
    const result = await syncOk(t, int.id, moved);
    expect(result.summary).to.include({ move: 1 });
    expect((await managed(t, int.id)).connections.get(account(0))!.folder_id).to.equal(m.folders.get("ou-1")!.id);
    expect(await schemaStates(t, ws.id)).to.deep.equal([]);
  });

  it("folders move and swap places without a cycle", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_swap"));
    const s = estate(2, 2);
    s.nodes.find((n) => n.id === "ou-1")!.parentId = "ou-0";
    await syncOk(t, int.id, s);
    const swapped = estate(2, 2);
    swapped.nodes.find((n) => n.id === "ou-0")!.parentId = "ou-1";
    const result = await syncOk(t, int.id, swapped);
    expect(result.summary).to.include({ move: 2 });
    const m = await managed(t, int.id);
    expect(m.folders.get("ou-0")!.parent_id).to.equal(m.folders.get("ou-1")!.id);
    expect(m.folders.get("ou-1")!.parent_id).to.equal(m.folders.get("r-root")!.id);
  });

  it("handles of two leaves can be swapped in one sync", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_hswap"));
    await syncOk(t, int.id, estate(0, 2, (n) => (n === 0 ? "x" : "y")));
    const result = await syncOk(t, int.id, estate(0, 2, (n) => (n === 0 ? "y" : "x")));
    expect(result.summary).to.include({ rename: 2 });
    const m = await managed(t, int.id);
    expect(m.connections.get(account(0))!.handle).to.equal("aws_y");
    expect(m.connections.get(account(1))!.handle).to.equal("aws_x");
  });

  it("vanished and excluded nodes are deleted, and their schemas leave every workspace", async () => {
    const t = ctx.t;
    const { org, ws, ws2 } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_e", { exclude: ["ou-2"] }));
    await syncOk(t, int.id, estate(3, 12));
    const m = await managed(t, int.id);
    expect(m.folders.has("ou-2")).to.equal(false);
    expect(m.connections.has(account(2))).to.equal(false);
    await grant(t, int.rootFolderId, org.id);
    await attach(t, ws.id, int.rootFolderId);
    await attach(t, ws2.id, m.connections.get(account(0))!.id);
    const smaller = estate(3, 12);
    smaller.nodes = smaller.nodes.filter((n) => n.id !== account(0));
    const result = await syncOk(t, int.id, smaller);
    expect(result.summary).to.include({ delete: 1 });
    expect(result.operations).to.deep.include({ op: "delete", kind: "connection", cloudId: account(0), objectId: m.connections.get(account(0))!.id, before: result.operations[0].before });
    expect((await schemaStates(t, ws.id)).some((s) => s.startsWith("aws_account_0:"))).to.equal(false);
    expect(await schemaStates(t, ws2.id)).to.deep.equal([]);
  });

  it("a changed template updates every connection's config at the next sync (op update, config redacted)", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_tpl"));
    await syncOk(t, int.id, estate(1, 3));
    await t.expect(200, "PATCH", `/v1/integrations/${int.id}`, { body: { config: { connection: { config: { regions: ["eu-west-1"], externalId: "ext-{name}" } } } } });
    const result = await syncOk(t, int.id, estate(1, 3));
    expect(result.summary).to.deep.equal({ create: 0, update: 3, move: 0, rename: 0, delete: 0, unchanged: 2 });
    const op = result.operations.find((o: { cloudId: string }) => o.cloudId === account(2));
    expect(op).to.deep.include({ op: "update", changes: ["update"] });
    expect(op.after.config).to.deep.include({ regions: ["eu-west-1"], externalId: "ext-account 2" });
    expect((await managed(t, int.id)).connections.get(account(2))!.config).to.deep.include({ roleArn: `arn:aws:iam::${account(2)}:role/switchyard`, regions: ["eu-west-1"] });
  });

  it("dry run answers the same plan and changes nothing", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_f"));
    const before = await rowCounts(t.db);
    const plan = await syncOk(t, int.id, estate(2, 5), "?dryRun=true");
    expect(plan.dryRun).to.equal(true);
    expect(plan.summary.create).to.equal(8);
    expect(await rowCounts(t.db)).to.deep.equal(before);
    const applied = await syncOk(t, int.id, estate(2, 5));
    expect(applied.summary).to.deep.equal(plan.summary);
    expect(applied.operations.map((o: { op: string; cloudId: string }) => `${o.op} ${o.cloudId}`)).to.deep.equal(plan.operations.map((o: { op: string; cloudId: string }) => `${o.op} ${o.cloudId}`));
    expect((await t.expect(200, "GET", `/v1/integrations/${int.id}`)).lastSync.summary).to.deep.equal(applied.summary);
  });

  it("mass-delete guard: deleting more than maxDeleteFraction of the managed objects is 409 with the numbers, unless allowMassDelete=true", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("estate_g"));
    await syncOk(t, int.id, estate(1, 9));
    const before = await rowCounts(t.db);
    const res = await sync(t, int.id, estate(1, 6));
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.include("would delete 3 of the 11 objects");
    expect(res.body.error.details).to.include({ delete: 3, managed: 11, maxDeleteFraction: 0.2 });
    expect(await rowCounts(t.db)).to.deep.equal(before);
    expect((await sync(t, int.id, estate(1, 7))).status).to.equal(200); // 2 of 11 is below 20 %
    const allowed = await syncOk(t, int.id, { cloud: "aws", nodes: [] }, "?allowMassDelete=true");
    expect(allowed.summary.delete).to.equal(9);
    expect((await managed(t, int.id)).connections.size).to.equal(0);
  });

  it("records its last sync: time, summary, snapshot hash and who", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const owner = await t.user({ path: scopePath(org), role: "owner" });
    const int = await createIntegration(t, org, awsIntegrationBody("estate_h"));
    const res = await sync(t, int.id, estate(1, 1), "", owner.token);
    expect(res.status).to.equal(200);
    const read = await t.expect(200, "GET", `/v1/integrations/${int.id}`);
    expect(read.lastSync).to.include({ by: owner.user.id });
    expect(read.lastSync.summary).to.deep.equal(res.body.summary);
    expect(read.lastSync.snapshotHash).to.match(/^[0-9a-f]{64}$/);
    expect(Date.now() - Date.parse(read.lastSync.at)).to.be.below(60_000);
    expect(read.version).to.equal(int.version);
  });

  it("every sync and every object it touched are audited, attributed to the caller", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    const owner = await t.user({ path: scopePath(org), role: "owner" });
    const int = await createIntegration(t, org, awsIntegrationBody("estate_i"));
    await sync(t, int.id, estate(1, 2), "", owner.token);
    const syncs = await auditOf(t, org, "integration.sync");
    expect(syncs).to.have.length(1);
    expect(syncs[0]).to.include({ targetId: int.id, actorId: owner.user.id });
    expect(syncs[0].after.summary.create).to.equal(4);
    const created = await auditOf(t, org, "connection.create");
    expect(created.map((a) => a.after.cloudId).sort()).to.deep.equal([account(0), account(1)]);
    expect(created.every((a) => a.actorId === owner.user.id && a.after.managedBy === int.id)).to.equal(true);
    expect((await auditOf(t, org, "folder.create")).filter((a) => a.after.managedBy === int.id)).to.have.length(3);
  });

  it("a leaf handle taken by a connection the integration does not manage is 409 naming both; nothing changes", async () => {
    const t = ctx.t;
    const { org } = await t.hierarchy();
    await t.expect(201, "POST", `/v1/${scopePath(org)}/connections`, { body: { plugin: "custom", handle: "aws_account_1", config: {} } });
    const int = await createIntegration(t, org, awsIntegrationBody("estate_j"));
    const before = await rowCounts(t.db);
    const res = await sync(t, int.id, estate(1, 2));
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.include('"aws_account_1"').and.include(account(1));
    expect(await rowCounts(t.db)).to.deep.equal(before);
  });
});
