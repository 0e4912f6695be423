// The Integration provider (SPEC §6.3, §9): check names what is wrong (a bad snapshot names the
// node), diff tells a sync (snapshot) from a replacement (scope, type, handle), and its CRUD runs
// against the real service over HTTP, on PGlite and PostgreSQL.
import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import type { HierarchySnapshot } from "../../contract/hierarchy";
import { UNKNOWN } from "../../provider/diff";
import { provider, type IntegrationOutputs } from "../../provider/integration";
import { TestApp } from "../helpers/app";
import { postgresReachable, type DbKind } from "../helpers/databases";

const TNT = "tnt_0123456789abcdefghjk";
const ORG = "org_0123456789abcdefghjk";
const snapshot = (names: Record<string, string> = {}, parents: Record<string, string> = {}): HierarchySnapshot => ({
  cloud: "aws",
  nodes: [
    { id: "r-1", kind: "folder", name: "Root", parentId: null },
    { id: "ou-1-aaaaaaaa", kind: "folder", name: "Prod", parentId: "r-1" },
    { id: "ou-1-bbbbbbbb", kind: "folder", name: "Dev", parentId: "r-1" },
    ...["111111111111", "222222222222", "333333333333"].map((id) => ({ id, kind: "leaf" as const, name: names[id] ?? `account ${id.slice(0, 1)}`, parentId: parents[id] ?? "ou-1-aaaaaaaa" })),
  ],
});
const inputs = { scopeId: TNT, type: "aws", handle: "estate", title: "Estate", config: { connection: { config: {} } }, snapshot: snapshot() };
const state = { ...inputs, rootFolderId: "fld_0123456789abcdefghjk", lastSync: null, version: 1, createdAt: "", updatedAt: "" } as unknown as IntegrationOutputs;
const changes = (d: pulumi.dynamic.DiffResult) => (d as { changes?: boolean }).changes;

describe("Integration provider: check", () => {
  it("accepts valid inputs, and unknown ones in every property", async () => {
    expect((await provider.check!({}, inputs)).failures).to.deep.equal([]);
    for (const p of ["scopeId", "type", "handle", "title", "config", "parentFolderId", "snapshot"]) {
      const res = await provider.check!(undefined as never, { ...inputs, [p]: UNKNOWN });
      expect(res.failures, p).to.deep.equal([]);
    }
  });

  it("names the property of every bad input", async () => {
    const res = await provider.check!({}, { scopeId: "ws_0123456789abcdefghjk", type: "oracle", handle: "Bad Handle", config: { connection: { config: {} }, maxDeleteFraction: 3 } });
    expect(res.failures!.map((f) => f.property)).to.include.members(["scopeId", "type", "handle", "config.maxDeleteFraction"]);
  });

  it("refuses a template that cannot make a valid config, naming the field", async () => {
    const res = await provider.check!({}, { ...inputs, type: "azure", snapshot: undefined, config: { connection: { config: { tenantId: "00000000-0000-4000-8000-000000000000" } } } });
    expect(res.failures!.map((f) => f.property)).to.deep.equal(["config.connection"]);
    expect(res.failures![0].reason).to.contain("clientSecret");
  });

  it("refuses a snapshot that is not a tree, naming the node", async () => {
    const bad = snapshot();
    bad.nodes[4].parentId = "ou-missing";
    const res = await provider.check!({}, { ...inputs, snapshot: bad });
    expect(res.failures).to.have.length(1);
    expect(res.failures![0].property).to.equal("snapshot");
    expect(res.failures![0].reason).to.contain('"222222222222"').and.contain("ou-missing");
    const shape = await provider.check!({}, { ...inputs, snapshot: { cloud: "aws", nodes: [{ id: "x", kind: "leaf", name: "n", parentId: null }, { id: "y", kind: "tree", name: "n", parentId: null }] } });
    expect(shape.failures![0].property).to.equal("snapshot.nodes.1.kind");
    expect(shape.failures![0].reason).to.contain('node "y"');
  });

  it("refuses a snapshot of another cloud than the type", async () => {
    const res = await provider.check!({}, { ...inputs, snapshot: { ...snapshot(), cloud: "gcp" } });
    expect(res.failures!.map((f) => f.property)).to.deep.equal(["snapshot.cloud"]);
  });
});

describe("Integration provider: diff", () => {
  it("plans no change against its own state", async () => {
    expect(changes(await provider.diff!("int_x", state, inputs))).to.equal(false);
  });

  it("a changed snapshot, title or config is an update naming the property", async () => {
    for (const [property, change] of [["snapshot", { snapshot: snapshot({ "111111111111": "renamed" }) }], ["title", { title: "New" }], ["config", { config: { connection: { config: { regions: ["eu-west-1"] } } } }]] as const) {
      const d = await provider.diff!("int_x", state, { ...inputs, ...change });
      expect(changes(d), property).to.equal(true);
      expect(d.replaces, property).to.deep.equal([]);
    }
  });

  it("a new scope, type or handle replaces; keeping the handle deletes the old one first", async () => {
    const scope = await provider.diff!("int_x", state, { ...inputs, scopeId: ORG });
    expect(scope.replaces).to.deep.equal(["scopeId"]);
    expect(scope.deleteBeforeReplace).to.equal(true);
    const handle = await provider.diff!("int_x", state, { ...inputs, handle: "estate_2" });
    expect(handle.replaces).to.deep.equal(["handle"]);
    expect(handle.deleteBeforeReplace).to.equal(false);
    expect((await provider.diff!("int_x", state, { ...inputs, type: "gcp" })).replaces).to.deep.equal(["type"]);
  });
});

for (const kind of ["pglite", "postgres"] as DbKind[]) {
  describe(`Integration provider: create, sync, read, update and delete against the service [${kind}]`, function () {
    this.timeout(60_000);
    let t: TestApp;
    let tenantId: string;
    before(async function () {
      if (kind === "postgres" && (process.env.SWITCHYARD_TEST_DB === "pglite" || !(await postgresReachable()))) return this.skip();
      t = await TestApp.start(kind);
      const url = await t.app.listen({ port: 0, host: "127.0.0.1" });
      await provider.configure!({ config: { get: (k: string) => ({ "switchyard:url": url, "switchyard:token": t.adminToken })[k] } } as never);
      tenantId = (await t.tenant()).id;
    });
    after(async () => t?.close());

    const connections = async (rootFolderId: string) => {
      const tree = await t.get(`/v1/tenants/${tenantId}/connections?limit=100`);
      return tree.body.items.map((c: { title: string; handle: string; folderId: string; managedBy: string }) => `${c.title}:${c.handle}`).sort();
    };

    it("create pushes the snapshot; a changed snapshot syncs it; delete removes what it manages", async () => {
      const created = await provider.create({ ...inputs, scopeId: tenantId });
      expect(created.id).to.match(/^int_/);
      expect(created.outs.lastSync.summary).to.include({ create: 6 });
      expect(await connections(created.outs.rootFolderId)).to.deep.equal(["account 1:aws_account_1", "account 2:aws_account_2", "account 3:aws_account_3"]);

      const next = { ...inputs, scopeId: tenantId, title: "Estate 2", snapshot: snapshot({ "111111111111": "payments" }, { "333333333333": "ou-1-bbbbbbbb" }) };
      const updated = await provider.update!(created.id, created.outs, next);
      expect(updated.outs!.title).to.equal("Estate 2");
      expect(updated.outs!.lastSync.summary).to.include({ rename: 1, move: 1, create: 0, delete: 0 });
      expect(await connections(created.outs.rootFolderId)).to.deep.equal(["account 2:aws_account_2", "account 3:aws_account_3", "payments:aws_payments"]);

      const read = await provider.read!(created.id, updated.outs as IntegrationOutputs);
      expect(read.inputs).to.deep.include({ handle: "estate", title: "Estate 2", snapshot: next.snapshot, config: inputs.config });
      expect(changes(await provider.diff!(created.id, read.props as IntegrationOutputs, next))).to.equal(false);

      await provider.delete!(created.id, updated.outs as IntegrationOutputs);
      expect((await t.get(`/v1/integrations/${created.id}`)).status).to.equal(404);
      expect(await connections(created.outs.rootFolderId)).to.deep.equal([]);
      // already gone: read drops it from state, delete succeeds
      expect(await provider.read!(created.id, updated.outs as IntegrationOutputs)).to.deep.equal({});
      await provider.delete!(created.id, updated.outs as IntegrationOutputs);
    });

    it("adopts an integration made outside Pulumi by its id, and refuses one of another type", async () => {
      const made = await t.expect(201, "POST", `/v1/tenants/${tenantId}/integrations`, { body: { type: "aws", handle: "adopted", config: { connection: { config: {} } } } });
      const adopted = await provider.create({ ...inputs, scopeId: tenantId, handle: "adopted", title: "Adopted", adoptId: made.id });
      expect(adopted.id).to.equal(made.id);
      expect(adopted.outs.lastSync.summary).to.include({ create: 6 });
      let failure: Error | undefined;
      await provider.create({ ...inputs, scopeId: tenantId, type: "gcp", handle: "adopted", adoptId: made.id, snapshot: undefined }).catch((e: Error) => (failure = e));
      expect(failure?.message).to.contain("adoptId").and.contain("type");
      await provider.delete!(made.id, adopted.outs);
    });
  });
}
