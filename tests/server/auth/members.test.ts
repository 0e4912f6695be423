import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

describeEachDb("users and memberships (SPEC §1)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  it("users get usr_ ids and unique handles (409 on a taken handle, 400 on a bad one)", async () => {
    const handle = ctx.t.unique("person");
    const u = await ctx.t.expect(201, "POST", "/v1/users", { body: { handle, title: "A Person" } });
    expect(u.id).to.match(/^usr_[0-9a-z]{20}$/);
    expect(u).to.include({ handle, title: "A Person", isAdmin: false });
    expect((await ctx.t.post("/v1/users", { handle })).status).to.equal(409);
    const bad = await ctx.t.post("/v1/users", { handle: "Not Valid" });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0].field).to.equal("body.handle");
  });

  it("a membership gives one of the four roles; any other role is a 400 naming body.role", async () => {
    const { user } = await ctx.t.user();
    for (const role of ["viewer", "editor", "operator", "owner"]) {
      const m = await ctx.t.expect(200, "PUT", `/v1/${scopePath(h.org)}/members/${user.id}`, { body: { role } });
      expect(m).to.include({ scopeId: h.org.id, userId: user.id, role });
    }
    const bad = await ctx.t.put(`/v1/${scopePath(h.org)}/members/${user.id}`, { role: "admin" });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0].field).to.equal("body.role");
    const unknown = await ctx.t.put(`/v1/${scopePath(h.org)}/members/usr_aaaaaaaaaaaaaaaaaaaa`, { role: "viewer" });
    expect(unknown.status).to.equal(404);
  });

  it("members are listed per scope with a cursor", async () => {
    const scope = await ctx.t.org(h.tenant.id);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ctx.t.user({ path: scopePath(scope), role: "viewer" })).user.id);
    const first = await ctx.t.expect(200, "GET", `/v1/${scopePath(scope)}/members?limit=2`);
    expect(first.items).to.have.length(2);
    const second = await ctx.t.expect(200, "GET", `/v1/${scopePath(scope)}/members?limit=2&cursor=${first.nextCursor}`);
    expect(second.nextCursor).to.equal(null);
    expect([...first.items, ...second.items].map((m: { userId: string }) => m.userId).sort()).to.deep.equal(ids.sort());
  });

  it("a changed or removed membership takes effect on the next request", async () => {
    const { user, token } = await ctx.t.user({ path: scopePath(h.ws), role: "viewer" });
    const body = { plugin: "custom", config: {} };
    expect((await ctx.t.post(`/v1/${scopePath(h.ws)}/connections`, body, { token })).status).to.equal(403);
    await ctx.t.expect(200, "PUT", `/v1/${scopePath(h.ws)}/members/${user.id}`, { body: { role: "operator" } });
    expect((await ctx.t.post(`/v1/${scopePath(h.ws)}/connections`, body, { token })).status).to.equal(201);
    await ctx.t.expect(204, "DELETE", `/v1/${scopePath(h.ws)}/members/${user.id}`);
    expect((await ctx.t.get(`/v1/${scopePath(h.ws)}/connections`, { token })).status).to.equal(404);
  });

  it("the strongest role on the path from the tenant down applies", async () => {
    const { user, token } = await ctx.t.user({ path: scopePath(h.tenant), role: "viewer" });
    await ctx.t.expect(200, "PUT", `/v1/${scopePath(h.ws)}/members/${user.id}`, { body: { role: "operator" } });
    const body = { plugin: "custom", config: {} };
    expect((await ctx.t.post(`/v1/${scopePath(h.ws)}/connections`, body, { token })).status).to.equal(201);
    expect((await ctx.t.post(`/v1/${scopePath(h.ws2)}/connections`, body, { token })).status).to.equal(403);
    expect((await ctx.t.post(`/v1/${scopePath(h.tenant)}/connections`, body, { token })).status).to.equal(403);
  });

  it("a tenant operator is an operator in all its organizations and workspaces", async () => {
    const { token } = await ctx.t.user({ path: scopePath(h.tenant), role: "operator" });
    const org2 = await ctx.t.org(h.tenant.id);
    const ws3 = await ctx.t.workspace(org2.id);
    for (const scope of [h.tenant, h.org, h.ws, h.ws2, org2, ws3]) {
      const c = await ctx.t.expect(201, "POST", `/v1/${scopePath(scope)}/connections`, { token, body: { plugin: "custom", config: {} } });
      await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { token, body: { title: "changed" } });
      await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?confirm=${c.handle}`, { token });
    }
    // operator, not owner: managing the scope itself is out of reach
    expect((await ctx.t.patch(`/v1/${scopePath(ws3)}`, { title: "x" }, { token })).status).to.equal(403);
  });

  it("memberships carry a version: PUT answers its ETag and PUT/DELETE honour If-Match (412)", async () => {
    const { user } = await ctx.t.user();
    const put = await ctx.t.put(`/v1/${scopePath(h.org)}/members/${user.id}`, { role: "viewer" });
    expect(put.headers.etag).to.equal('"1"');
    const stale = await ctx.t.put(`/v1/${scopePath(h.org)}/members/${user.id}`, { role: "owner" }, { headers: { "if-match": '"5"' } });
    expect(stale.status).to.equal(412);
    const changed = await ctx.t.put(`/v1/${scopePath(h.org)}/members/${user.id}`, { role: "editor" }, { headers: { "if-match": '"1"' } });
    expect(changed.body).to.include({ role: "editor", version: 2 });
    expect((await ctx.t.del(`/v1/${scopePath(h.org)}/members/${user.id}`, { headers: { "if-match": '"1"' } })).status).to.equal(412);
    expect((await ctx.t.del(`/v1/${scopePath(h.org)}/members/${user.id}`, { headers: { "if-match": '"2"' } })).status).to.equal(204);
    expect((await ctx.t.del(`/v1/${scopePath(h.org)}/members/${user.id}`)).status).to.equal(404);
  });

  it("an owner of a scope can create users and make them members; an operator cannot", async () => {
    const owner = await ctx.t.user({ path: scopePath(h.org), role: "owner" });
    const operator = await ctx.t.user({ path: scopePath(h.org), role: "operator" });
    const invited = await ctx.t.expect(201, "POST", "/v1/users", { token: owner.token, body: { handle: ctx.t.unique("invited") } });
    await ctx.t.expect(200, "PUT", `/v1/${scopePath(h.ws)}/members/${invited.id}`, { token: owner.token, body: { role: "editor" } });
    expect((await ctx.t.post("/v1/users", { handle: ctx.t.unique("nope") }, { token: operator.token })).status).to.equal(403);
    expect((await ctx.t.put(`/v1/${scopePath(h.ws)}/members/${invited.id}`, { role: "owner" }, { token: operator.token })).status).to.equal(403);
  });
});
