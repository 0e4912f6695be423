import { expect } from "chai";
import { describeEachDb, scopePath, type TestApp } from "../../helpers/app";

/** Every creating POST, with a body builder (n makes each body unique) and the table it writes to. */
function creates(t: TestApp, h: Awaited<ReturnType<TestApp["hierarchy"]>>) {
  return [
    { name: "POST /v1/tenants", url: "/v1/tenants", body: (n: string) => ({ handle: `idem_t_${n}` }), table: "scopes" },
    { name: "POST /v1/tenants/{id}/orgs", url: `/v1/tenants/${h.tenant.id}/orgs`, body: (n: string) => ({ handle: `idem_o_${n}` }), table: "scopes" },
    { name: "POST /v1/orgs/{id}/workspaces", url: `/v1/orgs/${h.org.id}/workspaces`, body: (n: string) => ({ handle: `idem_w_${n}` }), table: "scopes" },
    { name: "POST /v1/users", url: "/v1/users", body: (n: string) => ({ handle: `idem_u_${n}` }), table: "users" },
    { name: "POST /v1/{scope}/connections", url: `/v1/${scopePath(h.ws)}/connections`, body: (n: string) => ({ plugin: "custom", title: `Idem ${n}`, config: {} }), table: "connections" },
    { name: "POST /v1/tokens (service token)", url: "/v1/tokens", body: (n: string) => ({ scopeId: h.org.id, role: "viewer", name: `idem ${n}` }), table: "tokens" },
  ];
}

describeEachDb("Idempotency-Key on every creating POST (SPEC §7.2)", (ctx) => {
  let h: Awaited<ReturnType<TestApp["hierarchy"]>>;
  let n = 0;
  before(async () => {
    h = await ctx.t.hierarchy();
  });
  const count = async (table: string) => (await ctx.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  const key = () => ({ "idempotency-key": ctx.t.unique("key") });

  it("a replay returns the first response with the same id and creates nothing more (tokens: 409, their secret is shown once)", async () => {
    for (const c of creates(ctx.t, h)) {
      const headers = key();
      const body = c.body(String(++n));
      const first = await ctx.t.post(c.url, body, { headers });
      expect(first.status, c.name).to.equal(201);
      const rows = await count(c.table);
      const again = await ctx.t.post(c.url, body, { headers });
      if (c.table === "tokens") {
        expect(again.status, c.name).to.equal(409);
        expect(again.body.error.details.tokenId).to.equal(first.body.id);
      } else {
        expect(again.status, c.name).to.equal(201);
        expect(again.body, c.name).to.deep.equal(first.body);
      }
      expect(await count(c.table), c.name).to.equal(rows);
    }
  });

  it("the same key with a different body, or on another route, is refused (422) and creates nothing", async () => {
    for (const c of creates(ctx.t, h)) {
      const headers = key();
      await ctx.t.expect(201, "POST", c.url, { body: c.body(String(++n)), headers });
      const rows = await count(c.table);
      const other = await ctx.t.post(c.url, c.body(String(++n)), { headers });
      expect(other.status, c.name).to.equal(422);
      expect(other.body.error.code).to.equal("idempotency_key_reused");
      expect(await count(c.table), c.name).to.equal(rows);
    }
    const headers = key();
    await ctx.t.expect(201, "POST", "/v1/users", { body: { handle: `idem_cross_${++n}` }, headers });
    const elsewhere = await ctx.t.post(`/v1/${scopePath(h.org)}/connections`, { plugin: "custom", config: {} }, { headers });
    expect(elsewhere.status).to.equal(422);
  });

  it("keys belong to one caller: another caller's same key creates its own object", async () => {
    const other = await ctx.t.user({ path: scopePath(h.ws), role: "operator" });
    const headers = key();
    const body = { plugin: "custom", config: {} };
    const mine = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body, headers });
    const theirs = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body, headers, token: other.token });
    expect(theirs.id).to.not.equal(mine.id);
  });

  it("a create that failed does not keep its key: the corrected retry goes through", async () => {
    const headers = key();
    await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "custom", handle: "idem_taken", config: {} } });
    const failed = await ctx.t.post(`/v1/${scopePath(h.ws)}/connections`, { plugin: "custom", handle: "idem_taken", config: {} }, { headers });
    expect(failed.status).to.equal(409);
    await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "custom", handle: "idem_free", config: {} }, headers });
  });

  it("concurrent requests with one key create exactly one object, and all answer with it", async () => {
    const headers = key();
    const body = { plugin: "custom", title: `Concurrent ${++n}`, config: {} };
    const before = await count("connections");
    const results = await Promise.all(Array.from({ length: 8 }, () => ctx.t.post(`/v1/${scopePath(h.ws)}/connections`, body, { headers })));
    expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).to.equal(1);
    expect(await count("connections")).to.equal(before + 1);
  });

  it("an Idempotency-Key that is not 1-255 visible ASCII characters is a 400 naming the header", async () => {
    const res = await ctx.t.post("/v1/users", { handle: `idem_bad_${++n}` }, { headers: { "idempotency-key": "x".repeat(256) } });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("headers.idempotency-key");
    expect(await ctx.t.db.query("SELECT 1 FROM users WHERE handle = $1", [`idem_bad_${n}`]).then((r) => r.rows.length)).to.equal(0);
  });
});
