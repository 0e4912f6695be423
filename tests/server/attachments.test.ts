import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, auditOf, connection, folder, grant, schemas, schemaStates } from "../helpers/sharing";

describeEachDb("attachments (SPEC §5)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  beforeEach(async () => {
    h = await ctx.t.hierarchy();
  });

  it("a workspace attaches its own connections and folders", async () => {
    const c = await connection(ctx.t, h.ws, "own_conn");
    const f = await folder(ctx.t, h.ws);
    await connection(ctx.t, h.ws, "in_own_folder", f.id);
    const a = await attach(ctx.t, h.ws.id, c.id);
    expect(a).to.include({ workspaceId: h.ws.id, objectId: c.id, objectType: "connection", version: 1 });
    expect((await attach(ctx.t, h.ws.id, f.id)).objectType).to.equal("folder");
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["in_own_folder:indirect", "own_conn:direct"]);
  });

  it("a workspace attaches what is granted to it, its organization or its tenant, also below a granted folder", async () => {
    const toWs = await connection(ctx.t, h.tenant, "to_ws");
    const toOrg = await connection(ctx.t, h.org, "to_org");
    const top = await folder(ctx.t, h.tenant);
    const sub = await folder(ctx.t, h.tenant, { parentId: top.id });
    const below = await connection(ctx.t, h.tenant, "below", sub.id);
    await grant(ctx.t, toWs.id, h.ws.id);
    await grant(ctx.t, toOrg.id, h.org.id);
    await grant(ctx.t, top.id, h.tenant.id);
    for (const id of [toWs.id, toOrg.id, sub.id, below.id]) await attach(ctx.t, h.ws.id, id);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["below:direct", "to_org:direct", "to_ws:direct"]);
  });

  it("what is not available is refused: 404 to a caller who cannot see it, 409 to one who can", async () => {
    const c = await connection(ctx.t, h.tenant, "not_granted");
    const other = await connection(ctx.t, h.ws2, "other_ws");
    const wsOperator = await ctx.t.user({ path: scopePath(h.ws), role: "operator" });
    const hidden = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id }, { token: wsOperator.token });
    expect(hidden.status).to.equal(404);
    for (const objectId of [c.id, other.id]) {
      const seen = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId });
      expect(seen.status).to.equal(409);
      expect(seen.body.error.message).to.contain("not available to this workspace");
    }
    expect((await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: "conn_00000000000000000000" })).status).to.equal(404);
    expect((await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: h.org.id })).status).to.equal(400);
  });

  it("attaching something already attached is refused (409)", async () => {
    const c = await connection(ctx.t, h.ws, "twice");
    const first = await attach(ctx.t, h.ws.id, c.id);
    const again = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id });
    expect(again.status).to.equal(409);
    expect(again.body.error.details.attachmentId).to.equal(first.id);
  });

  it("an attachment whose handle collides with a schema is refused (409 naming both connections)", async () => {
    const mine = await connection(ctx.t, h.ws, "sales");
    const theirs = await connection(ctx.t, h.tenant, "sales");
    await grant(ctx.t, theirs.id, h.ws.id);
    await attach(ctx.t, h.ws.id, mine.id);
    const res = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: theirs.id });
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.contain(mine.id).and.to.contain(theirs.id);
    expect(res.body.error.details.collisions).to.deep.equal([{ name: "sales", connectionId: theirs.id, existingConnectionId: mine.id }]);
  });

  it("a folder attach checks every connection the folder brings against the workspace's schemas", async () => {
    const mine = await connection(ctx.t, h.ws, "deep");
    const top = await folder(ctx.t, h.org);
    const sub = await folder(ctx.t, h.org, { parentId: top.id });
    await connection(ctx.t, h.org, "fine", top.id);
    const clash = await connection(ctx.t, h.org, "deep", sub.id);
    await grant(ctx.t, top.id, h.ws.id);
    await attach(ctx.t, h.ws.id, mine.id);
    const res = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: top.id });
    expect(res.status).to.equal(409);
    expect(res.body.error.details.collisions).to.deep.equal([{ name: "deep", connectionId: clash.id, existingConnectionId: mine.id }]);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["deep:direct"]);
  });

  it("attaching a connection that already is a schema through a folder makes it direct, keeping its place", async () => {
    const f = await folder(ctx.t, h.ws);
    const c = await connection(ctx.t, h.ws, "both", f.id);
    await attach(ctx.t, h.ws.id, f.id);
    const direct = await attach(ctx.t, h.ws.id, c.id);
    expect(await schemas(ctx.t, h.ws.id)).to.deep.equal([{ name: "both", state: "direct", connectionId: c.id, folderId: null, attachmentId: direct.id, conflictsWith: null }]);
  });

  it("attaching and detaching need the operator role at the workspace (403 for editors, 404 for outsiders)", async () => {
    const c = await connection(ctx.t, h.ws, "roles");
    const editor = await ctx.t.user({ path: scopePath(h.ws), role: "editor" });
    const outsider = await ctx.t.user({ path: scopePath(h.ws2), role: "owner" });
    const orgOperator = await ctx.t.user({ path: scopePath(h.org), role: "operator" });
    expect((await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id }, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id }, { token: outsider.token })).status).to.equal(404);
    const a = await ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id }, { token: orgOperator.token });
    expect(a.status).to.equal(201);
    expect((await ctx.t.get(`/v1/attachments/${a.body.id}`, { token: editor.token })).status).to.equal(200);
    expect((await ctx.t.del(`/v1/attachments/${a.body.id}`, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.del(`/v1/attachments/${a.body.id}`, { token: outsider.token })).status).to.equal(404);
    expect((await ctx.t.del(`/v1/attachments/${a.body.id}`, { token: orgOperator.token })).status).to.equal(204);
  });

  it("attachments are listed (paginated), read with an ETag, and detached with If-Match (412 on mismatch)", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await attach(ctx.t, h.ws.id, (await connection(ctx.t, h.ws, `list_${i}`)).id)).id);
    const page1 = await ctx.t.expect(200, "GET", `/v1/workspaces/${h.ws.id}/attachments?limit=2`);
    const page2 = await ctx.t.expect(200, "GET", `/v1/workspaces/${h.ws.id}/attachments?limit=2&cursor=${page1.nextCursor}`);
    expect([...page1.items, ...page2.items].map((a: { id: string }) => a.id)).to.have.members(ids);
    const got = await ctx.t.get(`/v1/attachments/${ids[0]}`);
    expect(got.headers.etag).to.equal('"1"');
    expect((await ctx.t.del(`/v1/attachments/${ids[0]}`, { headers: { "if-match": '"3"' } })).status).to.equal(412);
    expect((await ctx.t.del(`/v1/attachments/${ids[0]}`, { headers: { "if-match": '"1"' } })).status).to.equal(204);
    expect((await ctx.t.get(`/v1/attachments/${ids[0]}`)).status).to.equal(404);
  });

  it("a retried attach with the same Idempotency-Key returns the first attachment", async () => {
    const c = await connection(ctx.t, h.ws, "idem");
    const opts = { body: { objectId: c.id }, headers: { "idempotency-key": ctx.t.unique("k") } };
    const first = await ctx.t.expect(201, "POST", `/v1/workspaces/${h.ws.id}/attachments`, opts);
    const again = await ctx.t.expect(201, "POST", `/v1/workspaces/${h.ws.id}/attachments`, opts);
    expect(again.id).to.equal(first.id);
  });

  it("attach and detach are audited in the workspace", async () => {
    const c = await connection(ctx.t, h.ws, "audited");
    const a = await attach(ctx.t, h.ws.id, c.id);
    await ctx.t.expect(204, "DELETE", `/v1/attachments/${a.id}`);
    expect((await auditOf(ctx.t, h.ws, "attachment.create")).map((r) => r.targetId)).to.include(a.id);
    expect((await auditOf(ctx.t, h.ws, "attachment.delete")).find((r) => r.targetId === a.id)?.before.objectId).to.equal(c.id);
  });
});
