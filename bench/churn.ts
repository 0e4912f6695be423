/**
 * The embedded database under long create/delete churn: CHURN_ROUNDS (default 60) rounds of
 * CHURN_BATCH (100) connections created and deleted through the API, with and without the
 * maintenance of server/db/maintenance.ts (VACUUM ANALYZE after SWITCHYARD_MAINTENANCE_WRITES
 * rows, default here 1,000), printing the churned table's size and the data folder's over time.
 * The audit log grows with every change by design (it is the history); the folder's growth
 * with maintenance is that log.
 *
 *   node --import tsx bench/churn.ts
 */
import Table from "cli-table3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChurn } from "../tests/helpers/churn";

const ROUNDS = Number(process.env.CHURN_ROUNDS ?? 60);
const BATCH = Number(process.env.CHURN_BATCH ?? 100);
const WRITES = Number(process.env.SWITCHYARD_MAINTENANCE_WRITES ?? 1000);
const kb = (b: number) => `${Math.round(b / 1024).toLocaleString("en-US")} KiB`;

async function run(maintenance: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "sy-churn-bench-"));
  const c = await startChurn(dir, { batch: BATCH, maintenance: maintenance ? { writes: WRITES, intervalMs: 60_000 } : false });
  const rows: { round: number; table: number; folder: number; ms: number }[] = [];
  try {
    const every = Math.max(1, Math.floor(ROUNDS / 12));
    for (let r = 1; r <= ROUNDS; r++) {
      const t = Date.now();
      await c.round();
      const ms = Date.now() - t;
      if (r % every === 0 || r === ROUNDS) rows.push({ round: r, ...(await c.sizes()), ms });
    }
    return { rows, runs: c.maintenance?.runs() ?? 0 };
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`churn: ${ROUNDS} rounds of ${BATCH} creates and deletes on PGlite, with and without maintenance (every ${WRITES} written rows)`);
  const [kept, left] = [await run(true), await run(false)];
  const table = new Table({ head: ["round", "connections table, maintained", "data folder, maintained", "connections table, no maintenance", "data folder, no maintenance", "ms per round (maintained / not)"] });
  kept.rows.forEach((k, i) => {
    const l = left.rows[i];
    table.push([k.round, kb(k.table), kb(k.folder), kb(l.table), kb(l.folder), `${k.ms} / ${l.ms}`]);
  });
  console.log(table.toString());
  console.log(`maintenance runs: ${kept.runs}`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
