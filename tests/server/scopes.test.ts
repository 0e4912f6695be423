import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";

describeEachDb("scopes (SPEC §1)", (ctx) => {
  it("tenants, organizations and workspaces get immutable ids with their type prefix", async () => {
    const { tenant, org, ws } = await ctx.t.hierarchy();
    expect(tenant.id).to.match(/^tnt_[0-9a-z]{20}$/);
    expect(org.id).to.match(/^org_[0-9a-z]{20}$/);
    expect(ws.id).to.match(/^ws_[0-9a-z]{20}$/);
    expect([tenant.kind, org.kind, ws.kind]).to.deep.equal(["tenant", "org", "workspace"]);
    expect([org.parentId, ws.parentId, ws.tenantId]).to.deep.equal([tenant.id, org.id, tenant.id]);
    const renamed = await ctx.t.expect(200, "PATCH", `/v1/${scopePath(org)}`, { body: { handle: ctx.t.unique("moved") } });
    expect(renamed.id).to.equal(org.id);
  });

  it("a scope's handle is unique among its siblings (409), and may repeat under another parent", async () => {
    const t = await ctx.t.tenant();
    const other = await ctx.t.tenant();
    await ctx.t.org(t.id, "sales");
    const dup = await ctx.t.post(`/v1/tenants/${t.id}/orgs`, { handle: "sales" });
    expect(dup.status).to.equal(409);
    expect(dup.body.error.code).to.equal("conflict");
    expect(dup.body.error.message).to.contain("sales");
    await ctx.t.org(other.id, "sales");

    const handle = ctx.t.unique("tenant");
    await ctx.t.tenant(handle);
    expect((await ctx.t.post("/v1/tenants", { handle })).status).to.equal(409);

    const org = await ctx.t.org(t.id);
    const org2 = await ctx.t.org(t.id);
    await ctx.t.workspace(org.id, "analytics");
    await ctx.t.workspace(org2.id, "analytics");
    expect((await ctx.t.post(`/v1/orgs/${org.id}/workspaces`, { handle: "analytics" })).status).to.equal(409);
  });

  it("renaming a scope to a sibling's handle is refused (409)", async () => {
    const t = await ctx.t.tenant();
    await ctx.t.org(t.id, "first");
    const second = await ctx.t.org(t.id, "second");
    const res = await ctx.t.patch(`/v1/${scopePath(second)}`, { handle: "first" });
    expect(res.status).to.equal(409);
    expect((await ctx.t.get(`/v1/${scopePath(second)}`)).body.handle).to.equal("second");
  });

  it("the database itself refuses two sibling scopes with one handle", async () => {
    const t = await ctx.t.tenant();
    const org = await ctx.t.org(t.id, "unique_here");
    let failed: unknown;
    try {
      await ctx.t.db.query(
        "INSERT INTO scopes (id, kind, parent_id, tenant_id, handle, title) VALUES ('org_zzzzzzzzzzzzzzzzzzzz', 'org', $1, $1, 'unique_here', 'x')",
        [t.id],
      );
    } catch (err) {
      failed = err;
    }
    expect((failed as { code?: string })?.code, "unique violation").to.equal("23505");
    expect(org.handle).to.equal("unique_here");
  });

  it("concurrent creates of one sibling handle yield exactly one 201 and 409s", async () => {
    const t = await ctx.t.tenant();
    const results = await Promise.all(Array.from({ length: 6 }, () => ctx.t.post(`/v1/tenants/${t.id}/orgs`, { handle: "race" })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([201, 409, 409, 409, 409, 409]);
    const children = await ctx.t.expect(200, "GET", `/v1/tenants/${t.id}/children`);
    expect(children.items.filter((c: { handle: string }) => c.handle === "race")).to.have.length(1);
  });

  it("scope handles follow the handle rule (400 naming body.handle)", async () => {
    for (const handle of ["Upper", "public", "pg_x", "a__b", "trailing_", "1abc", "a".repeat(64)]) {
      const res = await ctx.t.post("/v1/tenants", { handle });
      expect(res.status, handle).to.equal(400);
      expect(res.body.error.details[0].field, handle).to.equal("body.handle");
    }
  });

  it("a scope answers with an ETag equal to its version, and PATCH honours If-Match (412 on mismatch)", async () => {
    const t = await ctx.t.tenant();
    const got = await ctx.t.get(`/v1/${scopePath(t)}`);
    expect(got.headers.etag).to.equal('"1"');
    const stale = await ctx.t.patch(`/v1/${scopePath(t)}`, { title: "New" }, { headers: { "if-match": '"7"' } });
    expect(stale.status).to.equal(412);
    expect(stale.body.error.code).to.equal("precondition_failed");
    const ok = await ctx.t.patch(`/v1/${scopePath(t)}`, { title: "New" }, { headers: { "if-match": '"1"' } });
    expect(ok.status).to.equal(200);
    expect(ok.body.version).to.equal(2);
    expect(ok.headers.etag).to.equal('"2"');
  });

  it("an empty scope can be deleted; a scope with children is refused (409) and kept", async () => {
    const t = await ctx.t.tenant();
    const org = await ctx.t.org(t.id);
    const full = await ctx.t.del(`/v1/${scopePath(t)}`);
    expect(full.status).to.equal(409);
    expect(full.body.error.details).to.deep.include({ children: 1 });
    expect((await ctx.t.del(`/v1/${scopePath(org)}`, { headers: { "if-match": '"9"' } })).status).to.equal(412);
    expect((await ctx.t.del(`/v1/${scopePath(org)}`)).status).to.equal(204);
    expect((await ctx.t.get(`/v1/${scopePath(org)}`)).status).to.equal(404);
    expect((await ctx.t.del(`/v1/${scopePath(t)}`)).status).to.equal(204);
  });

  it("children lists the organizations of a tenant and the workspaces of an organization, with a cursor", async () => {
    const t = await ctx.t.tenant();
    const orgs = [];
    for (let i = 0; i < 5; i++) orgs.push(await ctx.t.org(t.id));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await ctx.t.expect(200, "GET", `/v1/tenants/${t.id}/children?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).to.be.at.most(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).to.deep.equal(orgs.map((o) => o.id).sort());
    const ws = await ctx.t.workspace(orgs[0].id);
    const wsList = await ctx.t.expect(200, "GET", `/v1/orgs/${orgs[0].id}/children`);
    expect(wsList.items.map((i: { id: string }) => i.id)).to.deep.equal([ws.id]);
  });

  it("GET /v1/tenants lists only the tenants where the caller has a role, and a member may read the scopes above its own", async () => {
    const { tenant, org, ws } = await ctx.t.hierarchy();
    const hidden = await ctx.t.tenant();
    const { token } = await ctx.t.user({ path: scopePath(ws), role: "viewer" });
    const list = await ctx.t.expect(200, "GET", "/v1/tenants", { token });
    expect(list.items.map((i: { id: string }) => i.id)).to.deep.equal([tenant.id]);
    expect((await ctx.t.get(`/v1/${scopePath(tenant)}`, { token })).status).to.equal(200);
    expect((await ctx.t.get(`/v1/${scopePath(org)}`, { token })).status).to.equal(200);
    expect((await ctx.t.get(`/v1/${scopePath(hidden)}`, { token })).status).to.equal(404);
    // Knowing the org exists does not open its contents.
    expect((await ctx.t.get(`/v1/${scopePath(org)}/connections`, { token })).status).to.equal(404);
    expect((await ctx.t.get(`/v1/${scopePath(org)}/members`, { token })).status).to.equal(404);
  });

  it("an id of the wrong kind in a scope URL is a 400 naming params.id", async () => {
    const { org } = await ctx.t.hierarchy();
    const res = await ctx.t.get(`/v1/tenants/${org.id}`);
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("params.id");
  });
});
