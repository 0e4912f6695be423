// What the engine plans for the SDK's resources (SPEC §9), on the real engine against a real
// service: a first preview of a program whose resources all reference each other, detailed diffs
// (`pulumi preview --diff` and the engine's events), a replacement that keeps its handle (delete
// first), organizations, workspaces and members as resources, and forceDestroy.
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import { END, planRecorder } from "./engine";
import { engineAndService } from "./harness";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

const cfg = new pulumi.Config();
const tenantId = cfg.require("tenantId");
const org = new sy.Organization("eng", { tenantId, handle: cfg.get("orgHandle") ?? "eng", forceDestroy: cfg.getBoolean("forceDestroy") });
const ws = new sy.Workspace("bi", { orgId: org.id, handle: "bi", title: cfg.get("wsTitle") });
const folder = new sy.Folder("shared", { scopeId: org.id, title: "Shared" });
const conn = new sy.Connection("warehouse", {
  scopeId: org.id,
  folderId: folder.id,
  plugin: cfg.get("plugin") ?? "postgres",
  handle: "warehouse",
  title: cfg.get("title") ?? "Warehouse",
  config: cfg.get("plugin") === "custom"
    ? { endpoint: "wh.internal" }
    : { host: "wh.internal", port: 5432, database: "wh", user: "etl", password: cfg.requireSecret("password") },
});
// Every input of these two comes from another resource's output: unknown during a first preview.
const nested = new sy.Folder("nested", { scopeId: org.id, title: folder.title.apply((t) => \`\${t} / nested\`), parentId: folder.id });
new sy.Connection("derived", {
  scopeId: org.id,
  folderId: nested.id,
  plugin: folder.id.apply(() => "custom"),
  handle: ws.handle.apply((h) => \`\${h}_derived\`),
  title: org.title,
  description: folder.title,
  config: { endpoint: ws.id, owner: pulumi.secret(org.id) },
});
const grant = new sy.Grant("shared-to-bi", { objectId: folder.id, granteeId: ws.id });
new sy.SchemaAttachment("shared-in-bi", { workspaceId: ws.id, objectId: folder.id }, { dependsOn: [grant] });
new sy.Member("analyst", { scopeId: ws.id, userId: cfg.require("userId"), role: (cfg.get("role") ?? "viewer") as "viewer" });
export const orgId = org.id;
export const workspaceId = ws.id;
export const connectionId = conn.id;
`;

const PASSWORD = "plans-Secret-0ne";

describe(`e2e: plans of the SDK's resources (@pulumi/pulumi ${END.sdk})`, function () {
  this.timeout(900_000);
  const e2e = engineAndService();
  const opts = () => e2e.opts();
  let stack: Stack;
  let tenantId: string;
  let userId: string;

  before(async function () {
    const { t, pe, url } = e2e;
    tenantId = (await t.expect(201, "POST", "/v1/tenants", { body: { handle: "plans" } })).id;
    userId = (await t.expect(201, "POST", "/v1/users", { body: { handle: "ada" } })).id;
    ({ stack } = await pe.program({ project: "sdk-plans", indexTs: PROGRAM, config: { tenantId, userId, "switchyard:url": url } }));
    await stack.setConfig("switchyard:token", { value: t.adminToken, secret: true });
    await stack.setConfig("password", { value: PASSWORD, secret: true });
  });

  it("the first preview plans every create, though every id is still unknown, with no error", async () => {
    const rec = planRecorder();
    const res = await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.errors).to.deep.equal([]);
    expect(res.changeSummary).to.deep.equal({ create: 10 });
    expect(rec.all()).to.include({ "Organization::eng": "create", "Workspace::bi": "create", "Member::analyst": "create", "SchemaAttachment::shared-in-bi": "create", "Folder::nested": "create", "Connection::derived": "create" });
  });

  it("up makes them, and the member has its role at the workspace", async () => {
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.deep.equal({ create: 10 });
    const member = await e2e.t.get(`/v1/workspaces/${res.outputs.workspaceId.value}/members/${userId}`);
    expect(member.body.role).to.equal("viewer");
  });

  it("a detailed diff names each changed property and its kind, in preview --diff too", async () => {
    await stack.setAllConfig({ title: { value: "Warehouse (EU)" }, wsTitle: { value: "Business intelligence" }, role: { value: "editor" }, orgHandle: { value: "engineering" } });
    await stack.setConfig("password", { value: "plans-Secret-Tw0", secret: true });
    const rec = planRecorder();
    const res = await stack.preview({ ...opts(), diff: true, onEvent: rec.onEvent });
    expect(rec.diff("Connection", "warehouse")).to.deep.equal({ title: "update", config: "update" });
    expect(rec.diff("Workspace", "bi")).to.deep.equal({ title: "update" });
    // An omitted title is the handle, so it follows the handle.
    expect(rec.diff("Organization", "eng")).to.deep.equal({ handle: "update", title: "update" });
    expect(rec.diff("Member", "analyst")).to.deep.equal({ role: "update" });
    // The derived connection's title is the organization's, not known until its update is done.
    expect(rec.diff("Connection", "derived")).to.include({ title: "update" });
    expect(res.changeSummary).to.deep.include({ update: 5 });
    expect(res.stdout).to.match(/~ title\s*:\s*"Warehouse" => "Warehouse \(EU\)"/);
    expect(res.stdout).to.match(/[-+~] config\s*:/);
    expect(res.stdout).to.not.contain("plans-Secret-Tw0");
    expect(res.stdout).to.not.contain(PASSWORD);
    const up = await stack.up(opts());
    expect(up.summary.resourceChanges).to.deep.include({ update: 5 });
    expect((await e2e.t.get(`/v1/orgs/${up.outputs.orgId.value}`)).body.handle).to.equal("engineering");
  });

  it("a new plugin that keeps the handle deletes the old connection first, and up succeeds", async () => {
    const before = (await stack.outputs()).connectionId.value;
    await stack.setConfig("plugin", { value: "custom" });
    const rec = planRecorder();
    await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.op("Connection", "warehouse")).to.equal("delete-replaced,replace,create-replacement");
    expect(rec.diff("Connection", "warehouse")).to.include({ plugin: "update-replace" });
    const res = await stack.up(opts());
    expect(res.summary.result).to.equal("succeeded");
    expect(res.outputs.connectionId.value).to.not.equal(before);
    const schemas = await e2e.t.get(`/v1/workspaces/${res.outputs.workspaceId.value}/schemas`);
    const warehouse = schemas.body.items.filter((i: { name: string }) => i.name === "warehouse");
    expect(warehouse.map((i: { connectionId: string }) => i.connectionId)).to.deep.equal([res.outputs.connectionId.value]);
    expect(schemas.body.items.map((i: { name: string }) => i.name)).to.deep.equal(["bi_derived", "warehouse"]);
  });

  it("a second preview plans no change", async () => {
    const res = await stack.preview(opts());
    expect(res.changeSummary).to.deep.equal({ same: 10 });
  });

  it("destroying an organization that holds objects made outside Pulumi fails, naming them", async () => {
    const orgId = (await stack.outputs()).orgId.value;
    await e2e.t.expect(201, "POST", `/v1/orgs/${orgId}/connections`, { body: { plugin: "custom", config: {}, handle: "made_by_hand" } });
    let message = "";
    try {
      await stack.destroy(opts());
    } catch (err) {
      message = String((err as Error).message);
    }
    expect(message).to.contain("still holds 1 connection (made_by_hand)");
    expect(message).to.contain("forceDestroy: true");
    expect((await e2e.t.get(`/v1/orgs/${orgId}`)).status).to.equal(200);
  });

  it("with forceDestroy, destroy deletes what it holds along with it", async () => {
    const orgId = (await stack.outputs()).orgId.value;
    await stack.setConfig("forceDestroy", { value: "true" });
    const up = await stack.up(opts());
    expect(up.summary.resourceChanges).to.deep.include({ update: 1 });
    const res = await stack.destroy(opts());
    expect(res.summary.result).to.equal("succeeded");
    expect((await e2e.t.get(`/v1/orgs/${orgId}`)).status).to.equal(404);
    expect((await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items).to.deep.equal([]);
  });
});
