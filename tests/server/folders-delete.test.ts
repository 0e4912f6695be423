import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, auditOf, connection, folder, grant, schemaStates } from "../helpers/sharing";

describeEachDb("folders: delete (SPEC §2)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  /** A folder with a subfolder, a connection in each, a grant and attachments on things inside. */
  async function populated() {
    const top = await folder(ctx.t, h.tenant, { title: "Top" });
    const sub = await folder(ctx.t, h.tenant, { title: "Sub", parentId: top.id });
    const c1 = await connection(ctx.t, h.tenant, ctx.t.unique("c"), top.id);
    const c2 = await connection(ctx.t, h.tenant, ctx.t.unique("c"), sub.id);
    const g = await grant(ctx.t, sub.id, h.org.id);
    const a1 = await attach(ctx.t, h.ws.id, sub.id);
    const g2 = await grant(ctx.t, c1.id, h.ws2.id);
    const a2 = await attach(ctx.t, h.ws2.id, c1.id);
    return { top, sub, c1, c2, grants: [g.id, g2.id], attachments: [a1.id, a2.id] };
  }

  it("deleting an empty folder succeeds", async () => {
    const f = await folder(ctx.t, h.tenant);
    const res = await ctx.t.del(`/v1/folders/${f.id}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ deleted: true, dryRun: false });
    expect((await ctx.t.get(`/v1/folders/${f.id}`)).status).to.equal(404);
  });

  it("deleting a non-empty folder is refused (409, listing what is inside)", async () => {
    const p = await populated();
    const res = await ctx.t.del(`/v1/folders/${p.top.id}`);
    expect(res.status).to.equal(409);
    expect(res.body.error.details).to.deep.include({ folders: 1, connections: 2 });
    expect(res.body.error.details.children.map((c: { id: string }) => c.id)).to.have.members([p.sub.id, p.c1.id]);
    expect(res.body.error.message).to.contain("recursive=true");
    expect((await ctx.t.get(`/v1/folders/${p.top.id}`)).status).to.equal(200);
  });

  it("a dry run answers what would go, and changes nothing", async () => {
    const p = await populated();
    const res = await ctx.t.del(`/v1/folders/${p.top.id}?dryRun=true`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ dryRun: true, deleted: false, needsRecursive: true });
    expect(res.body.folders).to.have.members([p.top.id, p.sub.id]);
    expect(res.body.connections).to.have.members([p.c1.id, p.c2.id]);
    expect(res.body.grants.map((g: { id: string }) => g.id)).to.have.members(p.grants);
    expect(res.body.attachments.map((a: { id: string }) => a.id)).to.have.members(p.attachments);
    expect((await ctx.t.get(`/v1/connections/${p.c2.id}`)).status).to.equal(200);
    expect((await ctx.t.get(`/v1/attachments/${p.attachments[0]}`)).status).to.equal(200);
  });

  it("a recursive delete removes everything below, with its grants and attachments, each audited", async () => {
    const p = await populated();
    expect(await schemaStates(ctx.t, h.ws.id)).to.include(`${p.c2.handle}:indirect`);
    const res = await ctx.t.del(`/v1/folders/${p.top.id}?recursive=true`, { headers: { "if-match": '"1"' } });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ deleted: true });
    for (const id of [p.top.id, p.sub.id]) expect((await ctx.t.get(`/v1/folders/${id}`)).status).to.equal(404);
    for (const id of [p.c1.id, p.c2.id]) expect((await ctx.t.get(`/v1/connections/${id}`)).status).to.equal(404);
    for (const id of p.grants) expect((await ctx.t.get(`/v1/grants/${id}`)).status).to.equal(404);
    for (const id of p.attachments) expect((await ctx.t.get(`/v1/attachments/${id}`)).status).to.equal(404);
    expect(await schemaStates(ctx.t, h.ws.id)).to.not.include(`${p.c2.handle}:indirect`);
    const audited = (action: string) => auditOf(ctx.t, h.tenant, action).then((rows) => rows.map((r) => r.targetId));
    expect(await audited("folder.delete")).to.include.members([p.top.id, p.sub.id]);
    expect(await audited("connection.delete")).to.include.members([p.c1.id, p.c2.id]);
    expect(await audited("grant.delete")).to.include.members(p.grants);
    expect(await audited("attachment.delete")).to.include.members(p.attachments);
  });

  it("a refused recursive delete (stale If-Match, or a managed object below) removes nothing", async () => {
    const p = await populated();
    const res = await ctx.t.del(`/v1/folders/${p.top.id}?recursive=true`, { headers: { "if-match": '"9"' } });
    expect(res.status).to.equal(412);
    await ctx.t.db.query("UPDATE connections SET managed_by = 'int_00000000000000000002' WHERE id = $1", [p.c2.id]);
    expect((await ctx.t.del(`/v1/folders/${p.top.id}?recursive=true`)).status).to.equal(409);
    expect((await ctx.t.get(`/v1/connections/${p.c1.id}`)).status).to.equal(200);
    expect((await ctx.t.get(`/v1/grants/${p.grants[0]}`)).status).to.equal(200);
  });

  it("deleting a folder needs the operator role (403), and outsiders get 404", async () => {
    const f = await folder(ctx.t, h.org);
    const editor = await ctx.t.user({ path: scopePath(h.org), role: "editor" });
    const outsider = await ctx.t.user({ path: scopePath(h.ws), role: "owner" });
    expect((await ctx.t.del(`/v1/folders/${f.id}`, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.del(`/v1/folders/${f.id}`, { token: outsider.token })).status).to.equal(404);
  });
});
