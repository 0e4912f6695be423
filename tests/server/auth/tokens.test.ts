import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { dumpText } from "../../helpers/snapshot";

describeEachDb("API tokens (SPEC §1)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  async function newUserToken(body: Record<string, unknown> = {}) {
    const { user, token } = await ctx.t.user();
    const created = await ctx.t.expect(201, "POST", "/v1/tokens", { token, body: { userId: user.id, name: "ci", ...body } });
    return { user, userToken: token, created };
  }

  it("a token is shown once at creation and authenticates its user", async () => {
    const { user, created } = await newUserToken();
    expect(created.id).to.match(/^tok_/);
    expect(created.token).to.be.a("string").with.length.above(30);
    expect(created.prefix).to.equal(created.token.slice(0, 12));
    const me = await ctx.t.expect(200, "GET", "/v1/me", { token: created.token });
    expect(me).to.include({ tokenId: created.id, userId: user.id, isAdmin: false });
    const { rows } = await ctx.t.db.query("SELECT after FROM audit_log WHERE action = 'token.create' AND target_id = $1", [created.id]);
    expect(rows).to.have.length(1);
    expect(JSON.stringify(rows)).to.not.contain(created.token);
  });

  it("a token is stored only as a hash: no table holds its plaintext, also after an idempotent create", async () => {
    const { user, userToken, created } = await newUserToken();
    const key = { "idempotency-key": ctx.t.unique("tok") };
    const viaKey = await ctx.t.expect(201, "POST", "/v1/tokens", { token: userToken, body: { userId: user.id, name: "keyed" }, headers: key });
    const service = await ctx.t.expect(201, "POST", "/v1/tokens", { body: { scopeId: h.org.id, role: "viewer", name: "svc" } });
    const everything = await dumpText(ctx.t.db);
    for (const secret of [created.token, viaKey.token, service.token, userToken, ctx.t.adminToken]) {
      expect(everything).to.not.contain(secret);
      expect(everything).to.not.contain(secret.slice(12));
    }
    expect(everything).to.contain(created.prefix);
  });

  it("replaying a token create with its Idempotency-Key cannot show the secret again: 409 naming the token", async () => {
    const { user, userToken } = await newUserToken();
    const headers = { "idempotency-key": ctx.t.unique("tok") };
    const first = await ctx.t.expect(201, "POST", "/v1/tokens", { token: userToken, body: { userId: user.id, name: "once" }, headers });
    const again = await ctx.t.post("/v1/tokens", { userId: user.id, name: "once" }, { token: userToken, headers });
    expect(again.status).to.equal(409);
    expect(again.body.error.details).to.deep.equal({ tokenId: first.id });
    expect(again.raw).to.not.contain(first.token);
    const { rows } = await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tokens WHERE user_id = $1 AND name = 'once'", [user.id]);
    expect(rows[0].n).to.equal(1);
  });

  it("an expired token answers 401 saying it expired", async () => {
    const { created } = await newUserToken({ expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await ctx.t.get("/v1/me", { token: created.token })).status).to.equal(200);
    await ctx.t.db.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [created.id]);
    // What the notification of this change does when it arrives (tests/server/auth/token-cache.test.ts).
    ctx.t.app.principalCache.invalidate();
    const res = await ctx.t.get("/v1/me", { token: created.token });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.include({ code: "unauthorized" });
    expect(res.body.error.message).to.contain("expired");
  });

  it("a token cannot be created already expired (400 naming body.expiresAt)", async () => {
    const { user, userToken } = await newUserToken();
    const res = await ctx.t.post("/v1/tokens", { userId: user.id, name: "old", expiresAt: "2001-01-01T00:00:00Z" }, { token: userToken });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("body.expiresAt");
  });

  it("a revoked token answers 401, and revoking is audited", async () => {
    const { userToken, created } = await newUserToken();
    await ctx.t.expect(204, "DELETE", `/v1/tokens/${created.id}`, { token: userToken });
    const res = await ctx.t.get("/v1/me", { token: created.token });
    expect(res.status).to.equal(401);
    expect(res.body.error.message).to.contain("revoked");
    const { rows } = await ctx.t.db.query("SELECT 1 FROM audit_log WHERE action = 'token.revoke' AND target_id = $1", [created.id]);
    expect(rows).to.have.length(1);
  });

  it("a token can revoke itself", async () => {
    const { created } = await newUserToken();
    await ctx.t.expect(204, "DELETE", `/v1/tokens/${created.id}`, { token: created.token });
    expect((await ctx.t.get("/v1/me", { token: created.token })).status).to.equal(401);
  });

  it("another user's tokens cannot be created or revoked (404); an administrator can", async () => {
    const alice = await newUserToken();
    const bob = await ctx.t.user();
    expect((await ctx.t.post("/v1/tokens", { userId: alice.user.id, name: "steal" }, { token: bob.token })).status).to.equal(404);
    expect((await ctx.t.del(`/v1/tokens/${alice.created.id}`, { token: bob.token })).status).to.equal(404);
    expect((await ctx.t.get("/v1/me", { token: alice.created.token })).status).to.equal(200);
    await ctx.t.expect(201, "POST", "/v1/tokens", { body: { userId: alice.user.id, name: "by-admin" } });
    await ctx.t.expect(204, "DELETE", `/v1/tokens/${alice.created.id}`);
  });

  it("a missing, malformed or unknown bearer token answers 401 in the error envelope", async () => {
    const { created } = await newUserToken();
    const forged = created.token.slice(0, 12) + "x".repeat(created.token.length - 12);
    for (const authorization of [undefined, "Basic abc", "Bearer", "Bearer short", `Bearer ${forged}`, `Bearer sy_unknown00_${"a".repeat(32)}`]) {
      const res = await ctx.t.get("/v1/me", { token: null, headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).to.equal(401);
      expect(res.body.error.code).to.equal("unauthorized");
      expect(res.body.error.requestId).to.be.a("string");
    }
  });

  it("an unknown token and a known prefix with a wrong secret answer the same 401", async () => {
    const { created } = await newUserToken();
    const answers = [];
    for (const token of [created.token.slice(0, 12) + "x".repeat(created.token.length - 12), `sy_unknown00_${"x".repeat(created.token.length - 13)}`]) {
      const res = await ctx.t.get("/v1/me", { token });
      answers.push({ status: res.status, code: res.body.error.code, message: res.body.error.message, keys: Object.keys(res.body.error).sort() });
    }
    expect(answers[0]).to.deep.equal(answers[1]);
    expect(answers[0]).to.include({ status: 401, code: "unauthorized" });
    expect((await ctx.t.get("/v1/me", { token: created.token })).status).to.equal(200);
  });

  describe("service tokens", () => {
    it("a service token is bound to one scope with one role: it acts with that role there and below, nowhere else", async () => {
      const svc = await ctx.t.expect(201, "POST", "/v1/tokens", { body: { scopeId: h.org.id, role: "operator", name: "deployer" } });
      expect(svc).to.include({ scopeId: h.org.id, role: "operator", userId: null });
      const body = { plugin: "custom", config: {} };
      await ctx.t.expect(201, "POST", `/v1/${scopePath(h.org)}/connections`, { token: svc.token, body });
      await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { token: svc.token, body });
      expect((await ctx.t.post(`/v1/${scopePath(h.tenant)}/connections`, body, { token: svc.token })).status).to.equal(404);
      const other = await ctx.t.hierarchy();
      expect((await ctx.t.post(`/v1/${scopePath(other.org)}/connections`, body, { token: svc.token })).status).to.equal(404);
      // operator, not owner: members are out of its reach
      const { user } = await ctx.t.user();
      expect((await ctx.t.put(`/v1/${scopePath(h.org)}/members/${user.id}`, { role: "viewer" }, { token: svc.token })).status).to.equal(403);
    });

    it("audit records name a service token as the actor", async () => {
      const svc = await ctx.t.expect(201, "POST", "/v1/tokens", { body: { scopeId: h.ws.id, role: "operator", name: "bot" } });
      const c = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { token: svc.token, body: { plugin: "custom", config: {} } });
      const { rows } = await ctx.t.db.query<{ actor_id: string }>("SELECT actor_id FROM audit_log WHERE target_id = $1", [c.id]);
      expect(rows.map((r) => r.actor_id)).to.deep.equal([svc.id]);
    });

    it("creating a service token needs the owner role at its scope (403 below owner, 404 without a role)", async () => {
      const operator = await ctx.t.user({ path: scopePath(h.org), role: "operator" });
      const owner = await ctx.t.user({ path: scopePath(h.org), role: "owner" });
      const stranger = await ctx.t.user();
      const body = { scopeId: h.org.id, role: "viewer", name: "svc" };
      expect((await ctx.t.post("/v1/tokens", body, { token: operator.token })).status).to.equal(403);
      expect((await ctx.t.post("/v1/tokens", body, { token: stranger.token })).status).to.equal(404);
      const made = await ctx.t.expect(201, "POST", "/v1/tokens", { token: owner.token, body });
      expect((await ctx.t.del(`/v1/tokens/${made.id}`, { token: operator.token })).status).to.equal(403);
      await ctx.t.expect(204, "DELETE", `/v1/tokens/${made.id}`, { token: owner.token });
      expect((await ctx.t.get("/v1/me", { token: made.token })).status).to.equal(401);
    });

    it("a token is either a user's or a service token with a role (400 naming the field)", async () => {
      const { user } = await ctx.t.user();
      const cases: [Record<string, unknown>, string][] = [
        [{ name: "x" }, "body.userId"],
        [{ name: "x", userId: user.id, scopeId: h.org.id, role: "viewer" }, "body.userId"],
        [{ name: "x", scopeId: h.org.id }, "body.role"],
        [{ name: "x", userId: user.id, role: "owner" }, "body.role"],
        [{ name: "x", scopeId: h.org.id, role: "admin" }, "body.role"],
        [{ name: "x", scopeId: "conn_aaaaaaaaaaaaaaaaaaaa", role: "viewer" }, "body.scopeId"],
      ];
      for (const [body, field] of cases) {
        const res = await ctx.t.post("/v1/tokens", body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.details.map((d: { field: string }) => d.field), JSON.stringify(body)).to.include(field);
      }
    });
  });
});
