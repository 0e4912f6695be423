// The sharing resources on the real engine: a folder tree with a connection, granted to a
// workspace and attached there; what `diff` replaces versus updates; adopting an existing folder
// by id; and `check` refusing bad inputs with messages that name the property.
import { expect } from "chai";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { TestApp } from "../helpers/app";
import { pulumiEnv, type PulumiTestEnv } from "./engine";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

const cfg = new pulumi.Config();
const tenantId = cfg.require("tenantId");
const platform = new sy.Folder("platform", { scopeId: tenantId, title: "Platform" });
const shared = new sy.Folder("shared", { scopeId: tenantId, title: "Shared", parentId: cfg.getBoolean("nested") ? platform.id : undefined });
const lake = new sy.Connection("lake", {
  scopeId: tenantId,
  plugin: "s3",
  handle: "lake",
  folderId: shared.id,
  config: { bucket: "acme-lake", region: "eu-west-1" },
});
const grant = new sy.Grant("shared-to-ws", { objectId: shared.id, granteeId: cfg.require("granteeId") });
const attachment = new sy.SchemaAttachment("ws-shared", { workspaceId: cfg.require("workspaceId"), objectId: shared.id }, { dependsOn: [grant] });
const adopted = cfg.get("adoptId");
if (adopted) new sy.Folder("adopted", { scopeId: tenantId, title: "Made by hand", adoptId: adopted });
export const sharedId = shared.id;
export const lakeId = lake.id;
export const grantId = grant.id;
export const attachmentId = attachment.id;
`;

const T = (kind: string) => `pulumi-nodejs:dynamic/switchyard:${kind}`;

/** The steps the engine plans for each resource, in order. */
function recorder() {
  const ops = new Map<string, string[]>();
  return {
    onEvent(e: EngineEvent) {
      const m = e.resourcePreEvent?.metadata;
      if (!m) return;
      const key = `${m.type}::${m.urn.split("::").pop()}`;
      ops.set(key, [...(ops.get(key) ?? []), m.op]);
    },
    op(kind: string, name: string) {
      return (ops.get(`${T(kind)}::${name}`) ?? []).join(",");
    },
  };
}

describe("e2e: sy.Folder, sy.Grant and sy.SchemaAttachment on the real engine", function () {
  this.timeout(900_000);
  let pe: PulumiTestEnv;
  let t: TestApp;
  let stack: Stack;
  let h: Awaited<ReturnType<TestApp["hierarchy"]>>;
  const output: string[] = [];
  const opts = () => ({ onOutput: (s: string) => output.push(s), color: "never" as const });

  before(async function () {
    pe = await pulumiEnv();
    t = await TestApp.start("pglite");
    const url = await t.app.listen({ port: 0, host: "127.0.0.1" });
    h = await t.hierarchy();
    ({ stack } = await pe.program({
      project: "sdk-sharing",
      indexTs: PROGRAM,
      config: { tenantId: h.tenant.id, workspaceId: h.ws.id, granteeId: h.ws.id, "switchyard:url": url },
    }));
    await stack.setConfig("switchyard:token", { value: t.adminToken, secret: true });
  });

  after(async function () {
    await t?.close();
    await pe?.cleanup();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(output.join(""));
    output.length = 0;
  });

  it("up builds the tree, shares it and makes the connection a schema of the workspace", async () => {
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.deep.equal({ create: 6 });
    const schemas = await t.get(`/v1/workspaces/${h.ws.id}/schemas`);
    expect(schemas.body.items).to.have.length(1);
    expect(schemas.body.items[0]).to.include({ name: "lake", state: "indirect", connectionId: res.outputs.lakeId.value, folderId: res.outputs.sharedId.value });
  });

  it("moving a folder is an update in place that keeps the schema", async () => {
    await stack.setConfig("nested", { value: "true" });
    const rec = recorder();
    await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.op("Folder", "shared")).to.equal("update");
    expect(rec.op("Connection", "lake")).to.equal("same");
    const res = await stack.up(opts());
    const folder = await t.get(`/v1/folders/${res.outputs.sharedId.value}`);
    expect(folder.body.parentId).to.be.a("string");
    const schemas = await t.get(`/v1/workspaces/${h.ws.id}/schemas`);
    expect(schemas.body.items.map((i: { name: string }) => i.name)).to.deep.equal(["lake"]);
  });

  it("a grant to another grantee is a replacement, created before the old one goes", async () => {
    const before = (await stack.outputs()).grantId.value;
    await stack.setConfig("granteeId", { value: h.org.id });
    const rec = recorder();
    await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.op("Grant", "shared-to-ws")).to.equal("create-replacement,replace,delete-replaced");
    expect(rec.op("SchemaAttachment", "ws-shared")).to.equal("same");
    const res = await stack.up(opts());
    expect(res.outputs.grantId.value).to.not.equal(before);
    expect((await t.get(`/v1/grants/${before}`)).status).to.equal(404);
    const schemas = await t.get(`/v1/workspaces/${h.ws.id}/schemas`);
    expect(schemas.body.items.map((i: { name: string }) => i.name)).to.deep.equal(["lake"]);
  });

  it("adopts a folder made outside Pulumi by its id, without changing it, and then manages it", async () => {
    const made = await t.expect(201, "POST", `/v1/tenants/${h.tenant.id}/folders`, { body: { title: "Made by hand" } });
    await stack.setConfig("adoptId", { value: made.id });
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.include({ create: 1 });
    const after = await t.get(`/v1/folders/${made.id}`);
    expect(after.body.version).to.equal(made.version);
    const folders = await t.get(`/v1/tenants/${h.tenant.id}/folders`);
    expect(folders.body.items.filter((f: { title: string }) => f.title === "Made by hand")).to.have.length(1);
    expect((await stack.preview(opts())).changeSummary).to.not.have.property("update");
  });

  it("check refuses a bad id and names the property", async () => {
    await stack.setConfig("workspaceId", { value: "not-a-workspace" });
    let message = "";
    try {
      await stack.preview(opts());
    } catch (err) {
      message = String((err as Error).message) + output.join("");
    }
    expect(message).to.match(/workspaceId must be an id of the form ws_/);
    await stack.setConfig("workspaceId", { value: h.ws.id });
  });

  it("destroy removes everything it made, attachment before grant before folder", async () => {
    const res = await stack.destroy(opts());
    expect(res.summary.result).to.equal("succeeded");
    expect((await t.get(`/v1/workspaces/${h.ws.id}/schemas`)).body.items).to.deep.equal([]);
    const left = await t.get(`/v1/tenants/${h.tenant.id}/connections`);
    expect(left.body.items).to.deep.equal([]);
  });
});
