import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChurn } from "../../helpers/churn";

/**
 * PGlite has no autovacuum: server/db/maintenance.ts runs VACUUM (ANALYZE) after N written rows.
 * Under create/delete churn, the churned table stays within a bound with it, and grows without it.
 * (bench/churn.ts runs the long version and prints the sizes over time.)
 */
describe("maintenance of the embedded database under create/delete churn", function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function churn(maintenance: boolean, rounds: number) {
    const dir = mkdtempSync(join(tmpdir(), "sy-churn-"));
    dirs.push(dir);
    const c = await startChurn(dir, { batch: 25, maintenance: maintenance ? { writes: 100, intervalMs: 60_000 } : false });
    try {
      const sizes: number[] = [];
      for (let r = 0; r < rounds; r++) {
        await c.round();
        // let a due run happen between rounds, as it would between bursts of requests
        if (c.maintenance) await new Promise((res) => setTimeout(res, 150));
        sizes.push((await c.sizes()).table);
      }
      return { sizes, runs: c.maintenance?.runs() ?? 0 };
    } finally {
      await c.close();
    }
  }

  it("with maintenance the churned table stops growing; without it, it keeps growing", async () => {
    const rounds = 6;
    const kept = await churn(true, rounds);
    const left = await churn(false, rounds);
    expect(kept.runs, "maintenance runs").to.be.greaterThan(2);
    // after the first rounds the space freed by VACUUM is reused: the table grows no further
    expect(Math.max(...kept.sizes.slice(3)), `sizes with maintenance: ${kept.sizes}`).to.be.at.most(Math.max(...kept.sizes.slice(0, 3)));
    // without it every round adds its dead rows, past anything the maintained table reached
    for (let r = 1; r < rounds; r++) expect(left.sizes[r], `sizes without maintenance: ${left.sizes}`).to.be.greaterThan(left.sizes[r - 1]);
    expect(left.sizes[rounds - 1], `without: ${left.sizes}; with: ${kept.sizes}`).to.be.greaterThan(Math.max(...kept.sizes));
  });
});
