import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

/**
 * Reads of single connections that arrive together go to the database as one statement
 * (server/db/batch.ts). Each caller must still get exactly its own answer: its connection, a 404
 * for what it may not see or what does not exist, and every write acknowledged before it asked.
 */
describeEachDb("batched reads of connections (GET /v1/connections/{id})", (ctx) => {
  it("answers each caller of a batch for itself: its own connections, 404 for another tenant's or a missing id, duplicates alike", async () => {
    const a = await ctx.t.hierarchy();
    const b = await ctx.t.hierarchy();
    const alice = await ctx.t.user({ path: scopePath(a.tenant), role: "viewer" });
    const bob = await ctx.t.user({ path: scopePath(b.org), role: "viewer" });
    const make = async (scope: { id: string; kind: string }, n: number) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) =>
          ctx.t.expect(201, "POST", `/v1/${scopePath(scope)}/connections`, { body: { plugin: "postgres", handle: ctx.t.unique("batched"), config: { host: "h", port: 5432, database: "d", user: `u${i}`, password: `pw-${i}-batched-secret` } } }),
        ),
      );
    const ofA = await make(a.org, 6);
    const ofB = await make(b.ws, 6);

    // Known tokens (their lookups cached), as under load, so that the requests arrive together;
    // then the statements that the reads send are counted.
    await ctx.t.warmTokens([alice, bob].map((u) => u.token));
    type Ask = { token: string; id: string; want: { status: number; body?: unknown } };
    const asks: Ask[] = [
      ...ofA.map((c) => ({ token: alice.token, id: c.id, want: { status: 200, body: c } })),
      ...ofB.map((c) => ({ token: bob.token, id: c.id, want: { status: 200, body: c } })),
      ...ofB.slice(0, 3).map((c) => ({ token: alice.token, id: c.id, want: { status: 404 } })),
      ...ofA.slice(0, 3).map((c) => ({ token: bob.token, id: c.id, want: { status: 404 } })),
      { token: alice.token, id: "conn_00000000000000000000", want: { status: 404 } },
      { token: alice.token, id: ofA[0].id, want: { status: 200, body: ofA[0] } },
    ];
    const { result: answers, statements } = await ctx.t.recordStatements(() => Promise.all(asks.map((ask) => ctx.t.get(`/v1/connections/${ask.id}`, { token: ask.token }))));
    answers.forEach((res, i) => {
      expect(res.status, `ask ${i}: ${res.raw}`).to.equal(asks[i].want.status);
      if (asks[i].want.body) expect(res.body).to.deep.equal(asks[i].want.body);
      else expect(res.body.error.code).to.equal("not_found");
      expect(res.raw).to.not.contain("batched-secret");
    });
    const reads = statements.filter((x) => /FROM connections c JOIN scopes s/.test(x.sql));
    expect(reads, "statements reading connections").to.have.length(1);
  });

  it("a read sent with others sees every write acknowledged before it", async () => {
    const h = await ctx.t.hierarchy();
    const created = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.tenant)}/connections`, { body: { plugin: "custom", handle: ctx.t.unique("rw"), config: { url: "https://a" } } });
    for (let v = 2; v <= 4; v++) {
      await ctx.t.expect(200, "PATCH", `/v1/connections/${created.id}`, { body: { title: `v${v}` } });
      const reads = await Promise.all(Array.from({ length: 8 }, () => ctx.t.get(`/v1/connections/${created.id}`)));
      for (const r of reads) expect(r.body).to.include({ title: `v${v}`, version: v });
      expect(reads[0].headers.etag).to.equal(`"${v}"`);
    }
    await ctx.t.expect(200, "DELETE", `/v1/connections/${created.id}?confirm=${created.handle}`);
    const gone = await Promise.all(Array.from({ length: 4 }, () => ctx.t.get(`/v1/connections/${created.id}`)));
    expect(gone.map((r) => r.status)).to.deep.equal([404, 404, 404, 404]);
  });
});
