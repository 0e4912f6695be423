import { expect } from "chai";
import type { HierarchyNode } from "../../../contract/hierarchy";
import { describeEachDb } from "../../helpers/app";
import { account, awsIntegrationBody, createIntegration, estate, sync, syncOk } from "../../helpers/integrations";
import { rowCounts } from "../../helpers/snapshot";

/** SPEC §6.1: a snapshot is refused (400 naming the node) when it is not a forest of named nodes; nothing changes. */
describeEachDb("integrations: bad snapshots are 400 naming the node, nothing changed (SPEC §6.1)", (ctx) => {
  let integrationId: string;
  before(async () => {
    const { org } = await ctx.t.hierarchy();
    integrationId = (await createIntegration(ctx.t, org, awsIntegrationBody("bad_input"))).id;
    await syncOk(ctx.t, integrationId, estate(1, 3));
  });

  const cases: [string, (nodes: HierarchyNode[]) => HierarchyNode[], string][] = [
    ["a duplicate id", (n) => [...n, { id: account(1), kind: "leaf", name: "again", parentId: "ou-0" }], account(1)],
    ["a missing parent", (n) => [...n, { id: account(9), kind: "leaf", name: "lost", parentId: "ou-gone" }], account(9)],
    ["a leaf as a parent", (n) => [...n, { id: account(9), kind: "leaf", name: "child", parentId: account(0) }], account(9)],
    ["a cycle", (n) => [...n, { id: "ou-x", kind: "folder", name: "X", parentId: "ou-y" }, { id: "ou-y", kind: "folder", name: "Y", parentId: "ou-x" }], "ou-x"],
    ["an empty name", (n) => n.map((x) => (x.id === account(2) ? { ...x, name: "   " } : x)), account(2)],
  ];
  for (const [what, change, nodeId] of cases) {
    it(`${what} is 400 validation_failed naming node ${nodeId}, and nothing changes`, async () => {
      const before = await rowCounts(ctx.t.db);
      const s = estate(1, 3);
      const res = await sync(ctx.t, integrationId, { ...s, nodes: change(s.nodes) });
      expect(res.status, res.raw).to.equal(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(res.body.error.message).to.include(nodeId);
      expect(res.body.error.details.map((d: { nodeId: string }) => d.nodeId)).to.include(nodeId);
      expect(res.body.error.details[0].field).to.match(/^body\.nodes\[\d+\]$/);
      expect(await rowCounts(ctx.t.db)).to.deep.equal(before);
    });
  }

  it("a template producing an invalid config for a leaf is 400 naming that node, and nothing changes", async () => {
    const before = await rowCounts(ctx.t.db);
    const s = estate(1, 3);
    s.nodes.push({ id: "not-an-account-id", kind: "leaf", name: "odd", parentId: "ou-0" });
    const res = await sync(ctx.t, integrationId, s);
    expect(res.status, res.raw).to.equal(400);
    expect(res.body.error.message).to.include("not-an-account-id").and.include("config.roleArn");
    expect(res.body.error.details[0].nodeId).to.equal("not-an-account-id");
    expect(await rowCounts(ctx.t.db)).to.deep.equal(before);
  });

  it("a snapshot of another cloud is 400 naming body.cloud", async () => {
    const res = await sync(ctx.t, integrationId, { cloud: "gcp", nodes: [] });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("body.cloud");
  });

  it("unknown node fields, kinds and a missing nodes list are 400 naming the field", async () => {
    for (const [body, field] of [
      [{ cloud: "aws" }, "body.nodes"],
      [{ cloud: "aws", nodes: [{ id: "x", kind: "tree", name: "n", parentId: null }] }, "body.nodes[0].kind"],
      [{ cloud: "aws", nodes: [{ id: "x", kind: "leaf", name: "n", parentId: null, color: 1 }] }, "body.nodes[0].color"],
    ] as const) {
      const res = await sync(ctx.t, integrationId, body);
      expect(res.status, res.raw).to.equal(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
    }
  });

  it("a template that cannot make a valid config is refused at create (400 naming the field), nothing stored", async () => {
    const { org } = await ctx.t.hierarchy();
    const before = await rowCounts(ctx.t.db);
    const res = await ctx.t.post(`/v1/orgs/${org.id}/integrations`, { type: "azure", handle: "az_bad", config: { connection: { config: { tenantId: "00000000-0000-4000-8000-000000000001" } } } });
    expect(res.status, res.raw).to.equal(400);
    expect(res.body.error.message).to.include("config.clientId").and.include("config.clientSecret");
    const after = await rowCounts(ctx.t.db);
    expect(after.integrations).to.equal(before.integrations);
  });
});
