import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { account, awsIntegrationBody, createIntegration, estate, managed, syncOk } from "../../helpers/integrations";
import { attach, folder, grant, schemaStates } from "../../helpers/sharing";
import { rowCounts } from "../../helpers/snapshot";

/** SPEC §6.3: objects an integration manages are structurally read-only for everyone else (409 naming the integration). */
describeEachDb("integrations: managed objects are read-only except through the integration", (ctx) => {
  let int: { id: string; rootFolderId: string };
  let org: { id: string; kind: string };
  let ws: { id: string };
  let other: { id: string };
  let m: Awaited<ReturnType<typeof managed>>;
  before(async () => {
    const h = await ctx.t.hierarchy();
    org = h.org;
    ws = h.ws;
    const outside = await folder(ctx.t, org, { title: "Outside" });
    other = outside;
    int = await createIntegration(ctx.t, org, { ...awsIntegrationBody("managed_rules"), parentFolderId: outside.id });
    await syncOk(ctx.t, int.id, estate(1, 2));
    m = await managed(ctx.t, int.id);
  });

  async function refused(method: string, url: string, body?: unknown) {
    const before = await rowCounts(ctx.t.db);
    const res = await ctx.t.call(method, url, { body });
    expect(res.status, `${method} ${url}: ${res.raw}`).to.equal(409);
    expect(res.body.error.message).to.include(int.id);
    expect(await rowCounts(ctx.t.db)).to.deep.equal(before);
  }

  it("no folder or connection can be created inside a managed folder", async () => {
    await refused("POST", `/v1/${scopePath(org)}/folders`, { title: "x", parentId: m.folders.get("ou-0")!.id });
    await refused("POST", `/v1/${scopePath(org)}/folders`, { title: "x", parentId: int.rootFolderId });
    await refused("POST", `/v1/${scopePath(org)}/connections`, { plugin: "custom", config: {}, folderId: m.folders.get("ou-0")!.id });
  });

  it("a managed folder cannot be moved, renamed or deleted, nor anything moved into it", async () => {
    const f = m.folders.get("ou-0")!.id;
    await refused("PATCH", `/v1/folders/${f}`, { title: "renamed" });
    await refused("PATCH", `/v1/folders/${f}`, { parentId: null });
    await refused("PATCH", `/v1/folders/${int.rootFolderId}`, { parentId: null });
    await refused("DELETE", `/v1/folders/${f}?recursive=true`);
    await refused("DELETE", `/v1/folders/${other.id}?recursive=true`);
    const mine = await folder(ctx.t, org);
    await refused("PATCH", `/v1/folders/${mine.id}`, { parentId: f });
  });

  it("a managed connection cannot be moved, renamed, retitled, reconfigured or deleted; its description can change", async () => {
    const c = m.connections.get(account(0))!;
    await refused("PATCH", `/v1/connections/${c.id}`, { folderId: null });
    await refused("PATCH", `/v1/connections/${c.id}`, { handle: "other_name" });
    await refused("PATCH", `/v1/connections/${c.id}`, { title: "Other" });
    await refused("PATCH", `/v1/connections/${c.id}`, { config: { regions: ["eu-west-1"] } });
    await refused("DELETE", `/v1/connections/${c.id}?confirm=${c.handle}`);
    const mine = await ctx.t.expect(201, "POST", `/v1/${scopePath(org)}/connections`, { body: { plugin: "custom", config: {} } });
    await refused("PATCH", `/v1/connections/${mine.id}`, { folderId: m.folders.get("ou-0")!.id });
    expect((await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { description: "owned by the payments team" } })).description).to.equal("owned by the payments team");
  });

  it("grants and attachments on managed objects are allowed, and schemas follow the next sync", async () => {
    await grant(ctx.t, m.folders.get("ou-0")!.id, org.id);
    await attach(ctx.t, ws.id, m.folders.get("ou-0")!.id);
    expect(await schemaStates(ctx.t, ws.id)).to.deep.equal(["aws_account_0:indirect", "aws_account_1:indirect"]);
    const grown = estate(1, 3);
    await syncOk(ctx.t, int.id, grown);
    expect(await schemaStates(ctx.t, ws.id)).to.deep.equal(["aws_account_0:indirect", "aws_account_1:indirect", "aws_account_2:indirect"]);
  });

  it("a sync that would strand an attachment (moving a connection out of the granted folder) is 409 listing it; nothing changes", async () => {
    const c = (await managed(ctx.t, int.id)).connections.get(account(1))!;
    const ws2 = await ctx.t.workspace(org.id);
    await attach(ctx.t, ws2.id, c.id);
    const moved = estate(1, 3);
    moved.nodes.find((n) => n.id === account(1))!.parentId = "r-root";
    const before = await rowCounts(ctx.t.db);
    const res = await ctx.t.post(`/v1/integrations/${int.id}/sync`, moved);
    expect(res.status, res.raw).to.equal(409);
    expect(res.body.error.details.attachments[0]).to.include({ workspaceId: ws2.id, objectId: c.id });
    expect(await rowCounts(ctx.t.db)).to.deep.equal(before);
  });
});
