// The SDK on the real Pulumi engine against a real service: a Connection through preview, up,
// a no-op up, an in-place update, secret drift made outside Pulumi, deletion outside Pulumi,
// and destroy — asserting what the engine reports and what the service then holds.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { TestApp } from "../helpers/app";
import { pulumiEnv, type PulumiTestEnv } from "./engine";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";

const cfg = new pulumi.Config();
const warehouse = new sy.Connection("warehouse", {
  scopeId: cfg.require("tenantId"),
  plugin: "postgres",
  title: cfg.get("title") ?? "Warehouse",
  config: { host: "db.internal", port: 5432, database: "wh", user: "etl", password: cfg.requireSecret("dbPassword") },
});
export const connectionId = warehouse.id;
export const handle = warehouse.handle;
export const version = warehouse.version;
`;

const CONNECTION_TYPE = "pulumi-nodejs:dynamic/switchyard:Connection";
const PASSWORD = "s3cret-Warehouse-Passw0rd";

function changes(kind: "pre" | "outputs") {
  const byUrn = new Map<string, { op: string; type: string; diffs?: string[] }>();
  return {
    onEvent(e: EngineEvent) {
      const m = kind === "pre" ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
      if (m) byUrn.set(m.urn, { op: m.op, type: m.type, diffs: m.diffs });
    },
    of(type: string) {
      return [...byUrn.values()].filter((r) => r.type === type);
    },
  };
}

describe("e2e: sy.Connection on the real engine", function () {
  this.timeout(900_000);
  let pe: PulumiTestEnv;
  let t: TestApp;
  let stack: Stack;
  let tenantId: string;
  const output: string[] = [];
  const onOutput = (s: string) => output.push(s);
  const opts = () => ({ onOutput, color: "never" as const });

  before(async function () {
    pe = await pulumiEnv();
    t = await TestApp.start("pglite");
    const url = await t.app.listen({ port: 0, host: "127.0.0.1" });
    tenantId = (await t.tenant()).id;
    ({ stack } = await pe.program({ project: "sdk-connection", indexTs: PROGRAM, config: { tenantId, "switchyard:url": url } }));
    await stack.setConfig("switchyard:token", { value: t.adminToken, secret: true });
    await stack.setConfig("dbPassword", { value: PASSWORD, secret: true });
  });

  after(async function () {
    await t?.close();
    await pe?.cleanup();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(output.join(""));
    output.length = 0;
  });

  it("preview plans one connection create and touches nothing", async () => {
    const rec = changes("pre");
    const res = await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.of(CONNECTION_TYPE).map((r) => r.op)).to.deep.equal(["create"]);
    expect(res.changeSummary.create).to.equal(2); // the stack and the connection
    const list = await t.get(`/v1/tenants/${tenantId}/connections`);
    expect(list.body.items).to.have.length(0);
  });

  it("up creates the connection in the service, with the derived handle", async () => {
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.deep.equal({ create: 2 });
    const id = res.outputs.connectionId.value;
    expect(res.outputs.handle.value).to.equal("warehouse");
    const got = await t.get(`/v1/connections/${id}`);
    expect(got.status).to.equal(200);
    expect(got.body.config.password).to.include({ secret: true, set: true });
  });

  it("keeps the token and the secret out of the state file in plain text", async () => {
    // The backend's own files (exportStack would decrypt secrets for display).
    const files = execFileSync("find", [pe.root, "-path", "*/.pulumi/*", "-name", "*.json"], { encoding: "utf8" }).trim().split("\n");
    const stateFiles = files.filter((f) => f.includes("/stacks/"));
    expect(stateFiles).to.not.be.empty;
    for (const f of [...stateFiles, ...files.filter((f) => f.includes("/history/"))]) {
      const text = readFileSync(f, "utf8");
      expect(text, f).to.not.contain(PASSWORD);
      expect(text, f).to.not.contain(t.adminToken);
    }
    expect(readFileSync(stateFiles[0], "utf8")).to.contain("switchyard:Connection");
  });

  it("a second up changes nothing", async () => {
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.deep.equal({ same: 2 });
  });

  it("a changed title is an in-place update, not a replacement", async () => {
    await stack.setConfig("title", { value: "Data warehouse" });
    const rec = changes("pre");
    const preview = await stack.preview({ ...opts(), onEvent: rec.onEvent });
    const [conn] = rec.of(CONNECTION_TYPE);
    expect(conn.op).to.equal("update");
    // what the user sees: exactly the title changes
    expect(preview.stdout).to.match(/warehouse update \[diff: ~title\]/);
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.include({ update: 1 });
    const got = await t.get(`/v1/connections/${res.outputs.connectionId.value}`);
    expect(got.body.title).to.equal("Data warehouse");
    expect(got.body.handle).to.equal("warehouse");
  });

  it("refresh detects a secret changed outside Pulumi, and up puts it back", async () => {
    const id = (await stack.outputs()).connectionId.value;
    const before = await t.get(`/v1/connections/${id}`);
    await t.expect(200, "PATCH", `/v1/connections/${id}`, { body: { config: { host: "db.internal", port: 5432, database: "wh", user: "etl", password: "changed-by-hand" } } });
    await stack.refresh(opts());
    const rec = changes("pre");
    await stack.preview({ ...opts(), onEvent: rec.onEvent });
    expect(rec.of(CONNECTION_TYPE).map((r) => r.op)).to.deep.equal(["update"]);
    await stack.up(opts());
    const after = await t.get(`/v1/connections/${id}`);
    expect(after.body.config.password.fingerprint).to.equal(before.body.config.password.fingerprint);
    const again = await stack.preview(opts());
    expect(again.changeSummary).to.deep.equal({ same: 2 });
  });

  it("a connection deleted outside Pulumi is dropped on refresh and created again on up", async () => {
    const id = (await stack.outputs()).connectionId.value;
    await t.expect(200, "DELETE", `/v1/connections/${id}?confirm=warehouse`);
    const refreshed = await stack.refresh(opts());
    expect(refreshed.summary.resourceChanges).to.include({ delete: 1 });
    const res = await stack.up(opts());
    expect(res.summary.resourceChanges).to.include({ create: 1 });
    expect(res.outputs.connectionId.value).to.not.equal(id);
  });

  it("destroy deletes the connection from the service", async () => {
    const res = await stack.destroy(opts());
    expect(res.summary.resourceChanges).to.deep.equal({ delete: 2 });
    const list = await t.get(`/v1/tenants/${tenantId}/connections`);
    expect(list.body.items).to.have.length(0);
  });
});
