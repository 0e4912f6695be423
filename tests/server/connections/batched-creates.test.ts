import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

/**
 * Creates with an explicit handle that arrive together go to the database as one statement with
 * one commit (server/db/batch.ts, store.insertConnectionsIfAllowed). Each caller must still get
 * exactly the answer it would get alone, and one create's failure must stay its own.
 */
describeEachDb("batched creates of connections (POST …/connections with a handle)", (ctx) => {
  it("answers each create of a batch for itself: 201 where the caller may create, 404/403 where not, 409 to the second of one handle, 400 to a value the database refuses", async () => {
    const a = await ctx.t.hierarchy();
    const b = await ctx.t.hierarchy();
    const alice = await ctx.t.user({ path: scopePath(a.tenant), role: "operator" });
    const viewer = await ctx.t.user({ path: scopePath(b.tenant), role: "viewer" });
    // Known tokens (their lookups cached), as under load, so that the requests arrive together.
    await ctx.t.warmTokens([alice, viewer].map((u) => u.token));

    const twice = ctx.t.unique("twice");
    const body = (handle: string, extra: Record<string, unknown> = {}) => ({ plugin: "postgres", handle, config: { host: "h", port: 5432, database: "d", user: "u", password: `pw-${handle}-batched-secret` }, ...extra });
    type Ask = { token: string; scope: { id: string; kind: string }; body: Record<string, unknown>; status: number };
    const asks: Ask[] = [
      ...[a.tenant, a.org, a.ws, a.ws2].map((scope) => ({ token: alice.token, scope, body: body(ctx.t.unique("ok")), status: 201 })),
      { token: alice.token, scope: b.org, body: body(ctx.t.unique("theirs")), status: 404 },
      { token: viewer.token, scope: b.org, body: body(ctx.t.unique("viewer")), status: 403 },
      { token: alice.token, scope: { id: "org_00000000000000000000", kind: "org" }, body: body(ctx.t.unique("nowhere")), status: 404 },
      { token: alice.token, scope: a.org, body: body(twice), status: 201 },
      { token: alice.token, scope: a.org, body: body(twice), status: 409 },
      // jsonb refuses a NUL character: this create fails alone (400), the others of its batch go in.
      { token: alice.token, scope: a.org, body: body(ctx.t.unique("nul"), { title: "a\u0000b" }), status: 400 },
      ...[a.org, a.ws].map((scope) => ({ token: alice.token, scope, body: body(ctx.t.unique("ok")), status: 201 })),
    ];

    const { result: answers, statements } = await ctx.t.recordStatements(() => Promise.all(asks.map((ask) => ctx.t.post(`/v1/${scopePath(ask.scope)}/connections`, ask.body, { token: ask.token }))));
    const me = await ctx.t.expect(200, "GET", "/v1/me", { token: alice.token });
    for (const [i, res] of answers.entries()) {
      const ask = asks[i];
      expect(res.status, `ask ${i}: ${res.raw}`).to.equal(ask.status);
      expect(res.raw).to.not.contain("batched-secret");
      if (ask.status === 201) {
        expect(res.body).to.include({ handle: ask.body.handle, scopeId: ask.scope.id, createdBy: me.userId, version: 1 });
        const read = await ctx.t.expect(200, "GET", `/v1/connections/${res.body.id}`);
        expect(read).to.deep.equal(res.body);
        const { rows } = await ctx.t.db.query<{ after: unknown }>("SELECT after FROM audit_log WHERE action = 'connection.create' AND target_id = $1", [res.body.id]);
        expect(rows.map((r) => r.after)).to.deep.equal([res.body]);
      }
    }
    const winner = answers.find((res, i) => asks[i].body.handle === twice && res.status === 201);
    const loser = answers.find((res, i) => asks[i].body.handle === twice && res.status === 409);
    expect(loser?.body.error.details).to.deep.equal({ field: "handle", connectionId: winner?.body.id });
    expect(answers[asks.findIndex((x) => x.status === 400)].body.error.code).to.equal("validation_failed");
    // Nothing of the refused ones was written.
    const refused = asks.filter((x) => x.status !== 201 && x.body.handle !== twice).map((x) => x.body.handle);
    const { rows } = await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM connections WHERE handle = ANY($1::text[])", [refused]);
    expect(rows[0].n).to.equal(0);
    // The batch went as one statement; the NUL made it fail, and it went again one create at a time.
    const inserts = statements.filter((x) => x.sql.includes("INSERT INTO connections")).map((x) => (JSON.parse(String(x.params?.[0])) as unknown[]).length);
    expect(inserts).to.deep.equal([asks.length, ...asks.map(() => 1)]);
  });
  it("two creates of one handle in one statement: the first answers 201, the second 409 naming it, and one row and one audit record are written", async () => {
    const h = await ctx.t.hierarchy();
    const handles = [ctx.t.unique("dup"), ctx.t.unique("dup")];
    const asks = [...handles, ...handles, ...handles].map((handle) => ({ plugin: "custom", handle, config: { url: "https://x" } }));
    await ctx.t.warmTokens([ctx.t.adminToken]);
    const { result: answers, statements } = await ctx.t.recordStatements(() => Promise.all(asks.map((body) => ctx.t.post(`/v1/${scopePath(h.org)}/connections`, body))));
    expect(statements.filter((x) => x.sql.includes("INSERT INTO connections"))).to.have.length(1);
    expect(answers.map((r) => r.status)).to.deep.equal([201, 201, 409, 409, 409, 409]);
    for (const [i, res] of answers.entries()) {
      if (i >= 2) expect(res.body.error.details).to.deep.equal({ field: "handle", connectionId: answers[i % 2].body.id });
    }
    const { rows } = await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'connection.create' AND after->>'handle' = ANY($1::text[])", [handles]);
    expect(rows[0].n).to.equal(2);
  });
});
