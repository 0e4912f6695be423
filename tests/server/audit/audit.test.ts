import { expect } from "chai";
import { describeEachDb, scopePath, type ApiResponse } from "../../helpers/app";

describeEachDb("audit log (SPEC §7.2)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  let adminId: string;
  before(async () => {
    h = await ctx.t.hierarchy();
    adminId = (await ctx.t.expect(200, "GET", "/v1/me")).userId;
  });
  const lastSeq = async () => Number((await ctx.t.db.query<{ s: number }>("SELECT coalesce(max(seq), 0) AS s FROM audit_log")).rows[0].s);
  const since = async (seq: number) =>
    (await ctx.t.db.query<{ action: string; actor_id: string; target_id: string; request_id: string; scope_path: string[] }>("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq", [seq])).rows;

  it("every mutation writes one audit record naming actor, action, target and request", async () => {
    const t = ctx.t;
    const org = await t.org(h.tenant.id);
    const path = scopePath(org);
    const steps: [string, () => Promise<ApiResponse>, (r: ApiResponse) => string][] = [];
    let user = "";
    let tokenId = "";
    let conn = { id: "", handle: "" };
    let ws = "";
    const step = (action: string, run: () => Promise<ApiResponse>, target: (r: ApiResponse) => string) => steps.push([action, run, target]);
    step("tenant.create", () => t.post("/v1/tenants", { handle: t.unique("audit") }), (r) => r.body.id);
    step("workspace.create", () => t.post(`/v1/orgs/${org.id}/workspaces`, { handle: "audited" }), (r) => (ws = r.body.id));
    step("workspace.update", () => t.patch(`/v1/workspaces/${ws}`, { title: "Audited" }), () => ws);
    step("workspace.delete", () => t.del(`/v1/workspaces/${ws}`), () => ws);
    step("user.create", () => t.post("/v1/users", { handle: t.unique("aud") }), (r) => (user = r.body.id));
    step("member.put", () => t.put(`/v1/${path}/members/${user}`, { role: "viewer" }), () => `${org.id}/${user}`);
    step("member.delete", () => t.del(`/v1/${path}/members/${user}`), () => `${org.id}/${user}`);
    step("token.create", () => t.post("/v1/tokens", { scopeId: org.id, role: "viewer", name: "aud" }), (r) => (tokenId = r.body.id));
    step("token.revoke", () => t.del(`/v1/tokens/${tokenId}`), () => tokenId);
    step("connection.create", () => t.post(`/v1/${path}/connections`, { plugin: "custom", handle: "aud_c", config: {} }), (r) => (conn = r.body).id);
    step("connection.update", () => t.patch(`/v1/connections/${conn.id}`, { title: "t" }), () => conn.id);
    step("connection.rename", () => t.patch(`/v1/connections/${conn.id}`, { handle: "aud_d" }), () => conn.id);
    step("connection.delete", () => t.del(`/v1/connections/${conn.id}?confirm=aud_d`), () => conn.id);
    step("org.update", () => t.patch(`/v1/${path}`, { title: "Org" }), () => org.id);
    step("org.delete", () => t.del(`/v1/${path}`), () => org.id);
    for (const [action, run, target] of steps) {
      const before = await lastSeq();
      const res = await run();
      expect(res.status, `${action}: ${res.raw}`).to.be.within(200, 299);
      const rows = await since(before);
      expect(rows.map((r) => r.action), action).to.deep.equal([action]);
      expect(rows[0]).to.include({ actor_id: adminId, target_id: target(res), request_id: res.headers["x-request-id"] });
    }
  });

  it("a refused mutation, a dry run or a test leaves no audit record", async () => {
    const t = ctx.t;
    const viewer = await t.user({ path: scopePath(h.ws), role: "viewer" });
    const c = await t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "postgres", handle: "aud_pg", config: { host: "h", port: 1, database: "d", user: "u", password: "p" } } });
    const before = await lastSeq();
    const refused = [
      await t.post(`/v1/${scopePath(h.ws)}/connections`, { plugin: "custom", handle: "aud_pg", config: {} }),
      await t.post(`/v1/${scopePath(h.ws)}/connections`, { plugin: "custom", config: {} }, { token: viewer.token }),
      await t.post(`/v1/${scopePath(h.ws)}/connections`, { plugin: "custom", config: { n: 1 } }),
      await t.patch(`/v1/connections/${c.id}`, { title: "x" }, { headers: { "if-match": '"7"' } }),
      await t.patch(`/v1/connections/${c.id}`, { config: { host: "h", port: 1, database: "d", user: "u", password: null } }),
      await t.del(`/v1/connections/${c.id}?confirm=wrong`),
      await t.del(`/v1/connections/${c.id}?dryRun=true`),
      await t.post(`/v1/connections/${c.id}/test`),
      await t.del(`/v1/${scopePath(h.org)}`),
      await t.post(`/v1/tenants/${h.tenant.id}/orgs`, { handle: h.org.handle }),
    ];
    expect(refused.map((r) => r.status)).to.deep.equal([409, 403, 400, 412, 400, 400, 200, 200, 409, 409]);
    expect(await since(before)).to.deep.equal([]);
  });

  it("the audit record is written in the mutation's transaction: if it cannot be written, the change does not happen", async () => {
    const t = ctx.t;
    const c = await t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "custom", title: "Atomic", config: {} } });
    const count = async () => (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM connections")).rows[0].n;
    await t.db.execScript(`
      CREATE FUNCTION sy_test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action IN ('connection.update', 'connection.create') THEN RAISE EXCEPTION 'audit unavailable'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER sy_test_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION sy_test_refuse_audit();`);
    try {
      const before = await count();
      expect((await t.patch(`/v1/connections/${c.id}`, { title: "Changed" })).status).to.equal(500);
      expect((await t.post(`/v1/${scopePath(h.ws)}/connections`, { plugin: "custom", config: {} })).status).to.equal(500);
      expect(await t.expect(200, "GET", `/v1/connections/${c.id}`)).to.include({ title: "Atomic", version: 1 });
      expect(await count()).to.equal(before);
    } finally {
      await t.db.execScript("DROP TRIGGER sy_test_refuse_audit ON audit_log; DROP FUNCTION sy_test_refuse_audit();");
    }
  });

  it("GET /v1/{scope}/audit lists the scope and everything below it, newest first, page by page", async () => {
    const t = ctx.t;
    const org = await t.org(h.tenant.id);
    const sibling = await t.org(h.tenant.id);
    const ws = await t.workspace(org.id);
    for (let i = 0; i < 3; i++) await t.expect(201, "POST", `/v1/${scopePath(org)}/connections`, { body: { plugin: "custom", config: {} } });
    for (let i = 0; i < 3; i++) await t.expect(201, "POST", `/v1/${scopePath(ws)}/connections`, { body: { plugin: "custom", config: {} } });
    await t.expect(201, "POST", `/v1/${scopePath(sibling)}/connections`, { body: { plugin: "custom", config: {} } });
    const seen: { seq: number; scopePath: string[]; action: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof seen; nextCursor: string | null } = await t.expect(200, "GET", `/v1/${scopePath(org)}/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).to.be.at.most(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const seqs = seen.map((r) => r.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).to.equal(seqs.length);
    expect(seen.map((r) => r.action).sort()).to.deep.equal([...Array(6).fill("connection.create"), "org.create", "workspace.create"].sort());
    expect(seen.every((r) => r.scopePath.includes(org.id))).to.equal(true);
    const only = await t.expect(200, "GET", `/v1/${scopePath(org)}/audit?action=workspace.create`);
    expect(only.items.map((r: { action: string }) => r.action)).to.deep.equal(["workspace.create"]);
  });

  it("audit records show secrets redacted, before and after", async () => {
    const t = ctx.t;
    const cfg = { host: "h", port: 1, database: "d", user: "u" };
    const c = await t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "postgres", config: { ...cfg, password: "audit-secret-1" } } });
    await t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...cfg, password: "audit-secret-2" } } });
    const { items } = await t.expect(200, "GET", `/v1/${scopePath(h.ws)}/audit?action=connection.update`);
    const record = items.find((r: { targetId: string }) => r.targetId === c.id);
    expect(record.before.config.password).to.include({ secret: true, set: true });
    expect(record.after.config.password.fingerprint).to.not.equal(record.before.config.password.fingerprint);
    expect(JSON.stringify(items)).to.not.contain("audit-secret");
  });

  it("the audit of a scope that does not exist is 404; a cursor not issued by the service is a 400 naming it", async () => {
    expect((await ctx.t.get("/v1/tenants/tnt_aaaaaaaaaaaaaaaaaaaa/audit")).status).to.equal(404);
    for (const cursor of ["YWJj", "!!", "LTE"]) {
      const res = await ctx.t.get(`/v1/${scopePath(h.org)}/audit?cursor=${cursor}`);
      expect(res.status, cursor).to.equal(400);
      expect(res.body.error.details[0].field).to.equal("querystring.cursor");
    }
  });
});
