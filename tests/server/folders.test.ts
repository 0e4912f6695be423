import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, auditOf, connection, folder, grant } from "../helpers/sharing";

describeEachDb("folders (SPEC §2)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  it("folders nest at tenant, organization and workspace scope", async () => {
    for (const scope of [h.tenant, h.org, h.ws]) {
      const top = await folder(ctx.t, scope, { title: "Top" });
      const child = await folder(ctx.t, scope, { title: "Child", parentId: top.id });
      expect(child).to.include({ scopeId: scope.id, parentId: top.id, title: "Child", version: 1 });
      const listed = await ctx.t.expect(200, "GET", `/v1/${scopePath(scope)}/folders?parentId=${top.id}`);
      expect(listed.items.map((f: { id: string }) => f.id)).to.deep.equal([child.id]);
    }
  });

  it("a parent folder must belong to the same scope (400 naming parentId)", async () => {
    const orgFolder = await folder(ctx.t, h.org);
    const res = await ctx.t.post(`/v1/${scopePath(h.tenant)}/folders`, { title: "x", parentId: orgFolder.id });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("body.parentId");
    const moved = await ctx.t.patch(`/v1/folders/${(await folder(ctx.t, h.tenant)).id}`, { parentId: orgFolder.id });
    expect(moved.status).to.equal(400);
  });

  it("bad input is a 400 naming the field, never a 500", async () => {
    const cases: [unknown, string][] = [
      [{ title: "x".repeat(256) }, "body.title"],
      [{ title: "ok", parentId: "conn_00000000000000000000" }, "body.parentId"],
      [{ title: "ok", handle: "Bad Handle" }, "body.handle"],
      [{}, "body.title"],
    ];
    for (const [body, field] of cases) {
      const res = await ctx.t.post(`/v1/${scopePath(h.tenant)}/folders`, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(JSON.stringify(res.body.error.details)).to.contain(field);
    }
    expect((await ctx.t.patch(`/v1/folders/fld_00000000000000000000`, {})).status).to.equal(400);
    expect((await ctx.t.get(`/v1/folders/not-an-id`)).status).to.equal(400);
  });

  it("rename and move are one PATCH, with versions, an ETag and If-Match (412 on mismatch)", async () => {
    const a = await folder(ctx.t, h.tenant, { title: "A" });
    const b = await folder(ctx.t, h.tenant, { title: "B" });
    const got = await ctx.t.get(`/v1/folders/${a.id}`);
    expect(got.headers.etag).to.equal('"1"');
    const stale = await ctx.t.patch(`/v1/folders/${a.id}`, { title: "A2" }, { headers: { "if-match": '"7"' } });
    expect(stale.status).to.equal(412);
    expect(stale.body.error.code).to.equal("precondition_failed");
    const res = await ctx.t.patch(`/v1/folders/${a.id}`, { title: "Renamed", handle: "renamed", parentId: b.id }, { headers: { "if-match": '"1"' } });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ title: "Renamed", handle: "renamed", parentId: b.id, version: 2 });
    expect(res.headers.etag).to.equal('"2"');
    expect((await auditOf(ctx.t, h.tenant, "folder.move")).find((r) => r.targetId === a.id)?.after.parentId).to.equal(b.id);
  });

  it("folder handles are unique among siblings (409)", async () => {
    const parent = await folder(ctx.t, h.tenant);
    await folder(ctx.t, h.tenant, { handle: "prod", parentId: parent.id });
    const dup = await ctx.t.post(`/v1/${scopePath(h.tenant)}/folders`, { title: "x", handle: "prod", parentId: parent.id });
    expect(dup.status).to.equal(409);
    await folder(ctx.t, h.tenant, { handle: "prod" }); // another parent: fine
  });

  it("folders nest at least 16 levels deep, and the database refuses the 33rd level", async () => {
    let parentId: string | null = null;
    const chain: string[] = [];
    for (let depth = 1; depth <= 32; depth++) {
      const f: { id: string } = await folder(ctx.t, h.org, { title: `level ${depth}`, parentId });
      chain.push(f.id);
      parentId = f.id;
    }
    const tooDeep = await ctx.t.post(`/v1/${scopePath(h.org)}/folders`, { title: "level 33", parentId });
    expect(tooDeep.status).to.equal(409);
    expect(tooDeep.body.error.message).to.contain("32 levels");
    const tree = await ctx.t.expect(200, "GET", `/v1/${scopePath(h.org)}/tree`);
    const deepest = tree.items.find((i: { id: string }) => i.id === chain[15]);
    expect(deepest.depth).to.equal(15);
    expect(deepest.path.map((p: { id: string }) => p.id)).to.deep.equal(chain.slice(0, 15));
    // moving a subtree so that it would end deeper than 32 levels is refused too
    const other = await folder(ctx.t, h.org);
    await folder(ctx.t, h.org, { parentId: other.id });
    expect((await ctx.t.patch(`/v1/folders/${other.id}`, { parentId: chain[30] })).status).to.equal(409);
  });

  it("a move that would create a cycle is refused (409)", async () => {
    const a = await folder(ctx.t, h.tenant);
    const b = await folder(ctx.t, h.tenant, { parentId: a.id });
    const c = await folder(ctx.t, h.tenant, { parentId: b.id });
    for (const target of [a.id, c.id, b.id]) {
      const res = await ctx.t.patch(`/v1/folders/${a.id}`, { parentId: target });
      expect(res.status, target).to.equal(409);
      expect(res.body.error.message).to.contain("cycle");
    }
  });

  it("the tree endpoint returns a scope's whole tree, parents first, each item with its ancestor path", async () => {
    const { tenant } = await ctx.t.hierarchy();
    const root = await folder(ctx.t, tenant, { title: "Root", handle: "root" });
    const mid = await folder(ctx.t, tenant, { title: "Mid", parentId: root.id });
    const leaf = await connection(ctx.t, tenant, "leaf", mid.id);
    const loose = await connection(ctx.t, tenant, "loose");
    const tree = await ctx.t.expect(200, "GET", `/v1/${scopePath(tenant)}/tree`);
    const byId = new Map(tree.items.map((i: { id: string }) => [i.id, i]));
    expect(tree.items.map((i: { id: string }) => i.id)).to.deep.equal([root.id, loose.id, mid.id, leaf.id]);
    expect(byId.get(leaf.id)).to.deep.include({ type: "connection", parentId: mid.id, handle: "leaf", depth: 2 });
    expect((byId.get(leaf.id) as { path: unknown }).path).to.deep.equal([
      { id: root.id, handle: "root", title: "Root" },
      { id: mid.id, handle: null, title: "Mid" },
    ]);
    // paginated with a cursor
    const first = await ctx.t.expect(200, "GET", `/v1/${scopePath(tenant)}/tree?limit=3`);
    const second = await ctx.t.expect(200, "GET", `/v1/${scopePath(tenant)}/tree?limit=3&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((i: { id: string }) => i.id)).to.deep.equal(tree.items.map((i: { id: string }) => i.id));
    expect(second.nextCursor).to.equal(null);
  });

  it("folder lists are paginated with a cursor", async () => {
    const { org } = await ctx.t.hierarchy();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await folder(ctx.t, org)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageRes: { items: { id: string }[]; nextCursor: string | null } = await ctx.t.expect(200, "GET", `/v1/${scopePath(org)}/folders?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(pageRes.items.length).to.be.at.most(2);
      seen.push(...pageRes.items.map((f) => f.id));
      cursor = pageRes.nextCursor;
    } while (cursor);
    expect(seen).to.have.members(ids);
    expect(seen).to.have.length(5);
  });

  it("a retried create with the same Idempotency-Key returns the first folder", async () => {
    const opts = { body: { title: "once" }, headers: { "idempotency-key": ctx.t.unique("key") } };
    const first = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/folders`, opts);
    const again = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/folders`, opts);
    expect(again.id).to.equal(first.id);
  });

  it("viewers read folders; only operators change them (403); outsiders get 404", async () => {
    const f = await folder(ctx.t, h.org);
    const viewer = await ctx.t.user({ path: scopePath(h.org), role: "viewer" });
    const editor = await ctx.t.user({ path: scopePath(h.org), role: "editor" });
    const operator = await ctx.t.user({ path: scopePath(h.org), role: "operator" });
    const outsider = await ctx.t.user({ path: scopePath(h.ws2), role: "owner" });
    expect((await ctx.t.get(`/v1/folders/${f.id}`, { token: viewer.token })).status).to.equal(200);
    expect((await ctx.t.get(`/v1/${scopePath(h.org)}/tree`, { token: viewer.token })).status).to.equal(200);
    expect((await ctx.t.patch(`/v1/folders/${f.id}`, { title: "x" }, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.post(`/v1/${scopePath(h.org)}/folders`, { title: "x" }, { token: viewer.token })).status).to.equal(403);
    expect((await ctx.t.del(`/v1/folders/${f.id}`, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.get(`/v1/folders/${f.id}`, { token: outsider.token })).status).to.equal(404);
    expect((await ctx.t.patch(`/v1/folders/${f.id}`, { title: "x" }, { token: outsider.token })).status).to.equal(404);
    expect((await ctx.t.patch(`/v1/folders/${f.id}`, { title: "by operator" }, { token: operator.token })).status).to.equal(200);
  });

  it("objects managed by an integration are read-only (409 naming the integration)", async () => {
    const managed = await folder(ctx.t, h.tenant);
    const plain = await folder(ctx.t, h.tenant);
    const integration = "int_00000000000000000001";
    await ctx.t.db.query("UPDATE folders SET managed_by = $2 WHERE id = $1", [managed.id, integration]);
    const attempts = [
      await ctx.t.patch(`/v1/folders/${managed.id}`, { title: "x" }),
      await ctx.t.del(`/v1/folders/${managed.id}`),
      await ctx.t.post(`/v1/${scopePath(h.tenant)}/folders`, { title: "child", parentId: managed.id }),
      await ctx.t.patch(`/v1/folders/${plain.id}`, { parentId: managed.id }),
    ];
    for (const res of attempts) {
      expect(res.status).to.equal(409);
      expect(res.body.error.message).to.contain(integration);
    }
    // a recursive delete of a folder holding a managed one is refused as well
    await ctx.t.db.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [managed.id, plain.id]);
    const recursive = await ctx.t.del(`/v1/folders/${plain.id}?recursive=true`);
    expect(recursive.status).to.equal(409);
    expect(recursive.body.error.details.integrationId).to.equal(integration);
  });

  it("a folder move that would strand an attachment is refused (409)", async () => {
    const granted = await folder(ctx.t, h.tenant);
    const inside = await folder(ctx.t, h.tenant, { parentId: granted.id });
    await connection(ctx.t, h.tenant, ctx.t.unique("s"), inside.id);
    await grant(ctx.t, granted.id, h.ws.id);
    const att = await attach(ctx.t, h.ws.id, inside.id);
    const res = await ctx.t.patch(`/v1/folders/${inside.id}`, { parentId: null });
    expect(res.status).to.equal(409);
    expect(res.body.error.details.attachments.map((a: { attachmentId: string }) => a.attachmentId)).to.deep.equal([att.id]);
    expect((await ctx.t.get(`/v1/folders/${inside.id}`)).body.parentId).to.equal(granted.id);
  });
});
