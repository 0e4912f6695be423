import { expect } from "chai";
import pg from "pg";
import type { Queryable } from "../../server/db/db";
import { describeEachDb } from "../helpers/app";
import { folder } from "../helpers/sharing";

/** Folders whose walk up the tree comes back to themselves (none, if the tree has no cycle). */
async function foldersInCycles(db: Queryable, scopeId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE up (start, id, steps) AS (
       SELECT id, parent_id, 1 FROM folders WHERE scope_id = $1 AND parent_id IS NOT NULL
       UNION ALL
       SELECT up.start, f.parent_id, up.steps + 1 FROM folders f JOIN up ON f.id = up.id
        WHERE f.parent_id IS NOT NULL AND up.id <> up.start AND up.steps < 100
     )
     SELECT DISTINCT start AS id FROM up WHERE id = start`,
    [scopeId],
  );
  return rows.map((r) => r.id);
}

const ROUNDS = 25;

describeEachDb("folders: racing moves (SPEC §2)", (ctx) => {
  it(`racing opposite moves never create a cycle (${ROUNDS} rounds of concurrent PATCHes)`, async () => {
    const { tenant } = await ctx.t.hierarchy();
    for (let round = 0; round < ROUNDS; round++) {
      const a = await folder(ctx.t, tenant);
      const b = await folder(ctx.t, tenant);
      const c = await folder(ctx.t, tenant, { parentId: b.id });
      // a under c (so under b) and b under a, at once: only one of them may win
      const results = await Promise.all([ctx.t.patch(`/v1/folders/${a.id}`, { parentId: c.id }), ctx.t.patch(`/v1/folders/${b.id}`, { parentId: a.id })]);
      expect(results.map((r) => r.status).sort(), JSON.stringify(results.map((r) => r.body))).to.deep.equal([200, 409]);
    }
    expect(await foldersInCycles(ctx.t.db, tenant.id)).to.deep.equal([]);
  });

  it("the database alone refuses a cycle from two writers that bypass the service", async function () {
    const { tenant } = await ctx.t.hierarchy();
    const url = ctx.t.database.url;
    for (let round = 0; round < 5; round++) {
      const a = await folder(ctx.t, tenant);
      const b = await folder(ctx.t, tenant);
      if (!url) {
        // PGlite has one connection: the writes come one after the other, and the second is refused.
        await ctx.t.db.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [a.id, b.id]);
        const second = await ctx.t.db.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [b.id, a.id]).catch((e: { code?: string }) => e);
        expect((second as { code?: string }).code).to.equal("SY001");
        continue;
      }
      // PostgreSQL: two sessions each move one folder under the other in open transactions.
      const one = new pg.Client({ connectionString: url });
      const two = new pg.Client({ connectionString: url });
      await Promise.all([one.connect(), two.connect()]);
      try {
        await Promise.all([one.query("BEGIN"), two.query("BEGIN")]);
        await one.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [a.id, b.id]);
        const blocked = two.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [b.id, a.id]).then(
          () => "ok",
          (e: { code?: string }) => e.code,
        );
        await new Promise((r) => setTimeout(r, 50));
        await one.query("COMMIT");
        expect(await blocked).to.equal("SY001");
        await two.query("ROLLBACK");
      } finally {
        await Promise.all([one.end(), two.end()]);
      }
    }
    expect(await foldersInCycles(ctx.t.db, tenant.id)).to.deep.equal([]);
  });
});
