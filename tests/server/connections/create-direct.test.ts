import { expect } from "chai";
import { scopeFromRow, scopePathSql, type ScopeRow } from "../../../server/scopes/store";
import { describeEachDb, scopePath } from "../../helpers/app";

/**
 * A create with an explicit handle, without folder or Idempotency-Key, is one statement that checks
 * the caller's role in SQL (store.insertConnectionsIfAllowed) while the answer is decided in
 * JavaScript (scopes.check). The two must agree: the SQL path is scopeFromRow's, a role is
 * inherited from the scopes above, and what is refused writes nothing.
 */
describeEachDb("a create in one statement decides as the transaction did", (ctx) => {
  const config = (password: string) => ({ host: "h", port: 5432, database: "d", user: "u", password, sslmode: "require" });
  const written = async (handle: string) => {
    const { rows } = await ctx.t.db.query<{ c: number; a: number }>(
      "SELECT (SELECT count(*)::int FROM connections WHERE handle = $1) AS c, (SELECT count(*)::int FROM audit_log WHERE action = 'connection.create' AND after->>'handle' = $1) AS a",
      [handle],
    );
    return rows[0];
  };

  it("the path in SQL is scopeFromRow's, for a tenant, an organization and a workspace", async () => {
    const h = await ctx.t.hierarchy();
    const { rows } = await ctx.t.db.query<ScopeRow & { path: string[] }>(
      `SELECT id, kind, parent_id, tenant_id, handle, title, version, created_at, created_by, updated_at, updated_by, ${scopePathSql("scopes")} AS path
         FROM scopes WHERE id = ANY($1::text[])`,
      [[h.tenant.id, h.org.id, h.ws.id]],
    );
    expect(rows).to.have.length(3);
    for (const r of rows) expect(r.path, r.kind).to.deep.equal(scopeFromRow(r).path);
    expect(rows.find((r) => r.kind === "workspace")?.path).to.deep.equal([h.tenant.id, h.org.id, h.ws.id]);
  });

  it("a role above the scope applies; none answers 404, too weak 403, and neither writes anything", async () => {
    const h = await ctx.t.hierarchy();
    const cases = [
      { at: h.tenant, role: "operator", into: h.ws, status: 201 },
      { at: h.org, role: "owner", into: h.ws, status: 201 },
      { at: h.ws, role: "operator", into: h.ws, status: 201 },
      { at: h.ws, role: "owner", into: h.org, status: 404 },
      { at: h.ws2, role: "owner", into: h.ws, status: 404 },
      { at: h.tenant, role: "editor", into: h.ws, status: 403 },
      { at: h.ws, role: "viewer", into: h.ws, status: 403 },
    ];
    for (const c of cases) {
      const { token } = await ctx.t.user({ path: scopePath(c.at), role: c.role });
      const handle = ctx.t.unique("direct");
      const res = await ctx.t.call("POST", `/v1/${scopePath(c.into)}/connections`, { token, body: { plugin: "postgres", handle, config: config("direct-secret") } });
      const label = `${c.role} at ${c.at.kind} creating in ${c.into.kind}`;
      expect(res.status, label).to.equal(c.status);
      expect(await written(handle), label).to.deep.equal(c.status === 201 ? { c: 1, a: 1 } : { c: 0, a: 0 });
      if (c.status === 201) expect(res.body.scopeId, label).to.equal(c.into.id);
    }
  });

  it("an invalid config answers as the scope decides first: 404 unseen, 403 too weak, 400 allowed", async () => {
    const h = await ctx.t.hierarchy();
    const bad = { host: "h", port: "not a port", database: "d", user: "u", sslmode: "require" };
    const expectations = [
      { token: (await ctx.t.user()).token, status: 404 },
      { token: (await ctx.t.user({ path: scopePath(h.org), role: "viewer" })).token, status: 403 },
      { token: (await ctx.t.user({ path: scopePath(h.org), role: "operator" })).token, status: 400 },
    ];
    for (const e of expectations) {
      const handle = ctx.t.unique("invalid");
      const res = await ctx.t.call("POST", `/v1/${scopePath(h.org)}/connections`, { token: e.token, body: { plugin: "postgres", handle, config: bad } });
      expect(res.status).to.equal(e.status);
      expect(await written(handle)).to.deep.equal({ c: 0, a: 0 });
    }
    const missing = await ctx.t.call("POST", `/v1/orgs/org_${"0".repeat(20)}/connections`, { body: { plugin: "postgres", handle: "x", config: config("p") } });
    expect(missing.status).to.equal(404);
  });
});
