import { expect } from "chai";
import fc from "fast-check";
import { describeEachDb, scopePath } from "../../helpers/app";
import { handleLike, isValidHandle } from "../../helpers/handles";

describeEachDb("connection handles (SPEC §3.2)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });
  const create = (scope: { id: string; kind: string }, body: Record<string, unknown>) =>
    ctx.t.post(`/v1/${scopePath(scope)}/connections`, { plugin: "custom", config: {}, ...body });

  it("the API accepts a handle exactly when it follows the rule, and refuses a taken one (property)", async () => {
    const scope = await ctx.t.workspace(h.org.id);
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(handleLike, async (handle) => {
        const res = await create(scope, { handle });
        const trimmed = handle.trim();
        if (!isValidHandle(trimmed)) {
          expect(res.status, `${JSON.stringify(handle)}: ${res.raw}`).to.equal(400);
          expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include("body.handle");
        } else if (created.has(trimmed)) {
          expect(res.status, JSON.stringify(handle)).to.equal(409);
        } else {
          expect(res.status, `${JSON.stringify(handle)}: ${res.raw}`).to.equal(201);
          expect(res.body.handle).to.equal(trimmed);
          created.add(trimmed);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the database refuses a handle that breaks the rule, whatever the service checks", async () => {
    for (const handle of ["Bad", "public", "pg_x", "a__b", "x_", "a".repeat(64)]) {
      let code: string | undefined;
      try {
        await ctx.t.db.query(
          "INSERT INTO connections (id, scope_id, handle, title, plugin, config) VALUES ('conn_zzzzzzzzzzzzzzzzzzzz', $1, $2, 't', 'custom', '{}')",
          [h.org.id, handle],
        );
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code, handle).to.equal("23514");
    }
  });

  it("a handle is derived from the title when omitted: slugified, then suffixed _2, _3 on collision", async () => {
    const scope = await ctx.t.workspace(h.org.id);
    const handles = [];
    for (let i = 0; i < 3; i++) handles.push((await create(scope, { title: "Main DB" })).body.handle);
    expect(handles).to.deep.equal(["main_db", "main_db_2", "main_db_3"]);
    expect((await create(scope, { title: "Café Ünïcode 2024!" })).body.handle).to.equal("cafe_unicode_2024");
    expect((await create(scope, { title: "PG" })).body.handle).to.equal("c_pg");
    expect((await create(scope, { title: "PG" })).body.handle).to.equal("c_pg_2");
    expect((await create(scope, {})).body.handle).to.equal("custom");
    expect((await create(scope, { title: "x".repeat(200) })).body.handle).to.have.length.at.most(63);
  });

  it("concurrent creates from one title get distinct handles (_2, _3, …), none refused", async () => {
    const scope = await ctx.t.workspace(h.org.id);
    const results = await Promise.all(Array.from({ length: 10 }, () => create(scope, { title: "Shared Title" })));
    expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill(201));
    const handles = results.map((r) => r.body.handle).sort();
    expect(handles).to.deep.equal(["shared_title", ...Array.from({ length: 9 }, (_, i) => `shared_title_${i + 2}`)].sort());
  });

  it("a handle is unique per scope: the same handle in another scope is fine", async () => {
    await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "custom", config: {}, handle: "warehouse" } });
    await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws2)}/connections`, { body: { plugin: "custom", config: {}, handle: "warehouse" } });
    const dup = await create(h.ws, { handle: "warehouse" });
    expect(dup.status).to.equal(409);
    expect(dup.body.error.details).to.include({ field: "handle" });
  });

  it("concurrent creates of one explicit handle yield exactly one 201 and 409s (the database decides)", async () => {
    const scope = await ctx.t.workspace(h.org.id);
    const results = await Promise.all(Array.from({ length: 8 }, () => create(scope, { handle: "contested" })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).to.equal("conflict");
    const { rows } = await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM connections WHERE scope_id = $1", [scope.id]);
    expect(rows[0].n).to.equal(1);
  });

  it("renaming a connection to a handle taken in its scope is refused (409); to a free one works", async () => {
    const a = (await create(h.org, { handle: "rename_a" })).body;
    await create(h.org, { handle: "rename_b" });
    expect((await ctx.t.patch(`/v1/connections/${a.id}`, { handle: "rename_b" })).status).to.equal(409);
    const ok = await ctx.t.expect(200, "PATCH", `/v1/connections/${a.id}`, { body: { handle: "rename_c" } });
    expect(ok.handle).to.equal("rename_c");
  });
});
