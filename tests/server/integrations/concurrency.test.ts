import { expect } from "chai";
import { TestApp } from "../../helpers/app";
import { postgresReachable } from "../../helpers/databases";
import { account, awsIntegrationBody, createIntegration, estate, managed, sync } from "../../helpers/integrations";

/**
 * SPEC §6.3: two syncs of one integration at once are serialised, never interleaved. On
 * PostgreSQL (where requests really run in parallel on a pool), syncs of different snapshots race;
 * each must apply whole, so the end state is one of the snapshots exactly, and the second's plan
 * is relative to the first's result.
 */
describe("integrations: concurrent syncs of one integration are serialised [postgres]", function () {
  this.timeout(120_000);
  let t: TestApp;
  before(async function () {
    if (process.env.SWITCHYARD_TEST_DB === "pglite" || !(await postgresReachable())) return this.skip();
    t = await TestApp.start("postgres");
  });
  after(async () => t?.close());

  it("two syncs at once end consistent: the state equals the snapshot applied last, and the plans add up", async () => {
    const { org } = await t.hierarchy();
    const int = await createIntegration(t, org, awsIntegrationBody("race", { maxDeleteFraction: 1 }));
    for (let round = 0; round < 5; round++) {
      const a = estate(3, 30 + round, (n) => `a ${n}`);
      const b = estate(4, 20, (n) => `b ${n}`);
      const [ra, rb] = await Promise.all([sync(t, int.id, a), sync(t, int.id, b)]);
      expect([ra.status, rb.status], `${ra.raw} ${rb.raw}`).to.deep.equal([200, 200]);
      const m = await managed(t, int.id);
      const last = m.connections.get(account(0))!.title.startsWith("a") ? a : b;
      const second = last === a ? ra.body : rb.body;
      // the end state is the last snapshot exactly
      expect(m.connections.size).to.equal(last.nodes.filter((n) => n.kind === "leaf").length);
      expect(m.folders.size - 1).to.equal(last.nodes.filter((n) => n.kind === "folder").length);
      for (const n of last.nodes.filter((x) => x.kind === "leaf")) expect(m.connections.get(n.id)!.title).to.equal(n.name);
      // the second saw the first's result: what it renamed is what the first had named otherwise
      expect(second.summary.rename + second.summary.move + second.summary.unchanged + second.summary.create + second.summary.update).to.equal(last.nodes.length);
    }
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'integration.sync' AND target_id = $1", [int.id]);
    expect(rows[0].n).to.equal(10);
  });
});
