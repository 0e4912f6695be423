/**
 * `npm run proof:replicas`: three replica server processes (server/main.ts) on one fresh
 * PostgreSQL database, PROOF_WAVES (default 150) waves of 70 concurrent mixed requests (creates,
 * reads, moves, renames, grants, attachments, deletes, idempotent replays: at least 10,000 in
 * all) spread at random over them, on 127.0.0.1 only; then every invariant of
 * tests/server/replicas.test.ts, whose storm and checks this runs (mocha, with
 * SWITCHYARD_REPLICA_PROCESSES=1). Prints the checks, then throughput and errors per replica.
 * Exits non-zero when a check fails. PostgreSQL: DATABASE_URL, else 127.0.0.1:5432.
 */
import Table from "cli-table3";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplicaTally } from "../tests/helpers/replicas";

const ROOT = join(__dirname, "..");
const WAVES = Number(process.env.PROOF_WAVES ?? 150);
if (!Number.isInteger(WAVES) || WAVES < 2 || WAVES > 1000) throw new Error("PROOF_WAVES must be an integer from 2 to 1000");

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "sy-proof-replicas-"));
  const reportFile = join(dir, "report.json");
  try {
    console.log(`proof:replicas: 3 server processes on one fresh PostgreSQL database, ${WAVES} waves of 70 concurrent requests`);
    const mocha = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const child = spawn(process.execPath, [mocha, "--reporter", "spec", "--timeout", "3600000", "tests/server/replicas.test.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, SWITCHYARD_REPLICA_PROCESSES: "1", SWITCHYARD_REPLICA_WAVES: String(WAVES), SWITCHYARD_REPLICA_REPORT: reportFile, CI: process.env.CI ?? "1" },
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    let report: { seed: number; requests: number; stormMs: number; tallies: ReplicaTally[] } | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, "utf8"));
    } catch {
      /* the run ended before the storm */
    }
    if (report) {
      const table = new Table({ head: ["replica", "requests", "req/s (storm)", "mean ms", "max ms", "2xx", "4xx", "5xx", "no answer"] });
      const cls = (t: ReplicaTally, c: string) => Object.entries(t.byStatus).filter(([s]) => s.startsWith(c)).reduce((n, [, k]) => n + k, 0);
      for (const t of report.tallies) {
        table.push([t.replica, t.requests, (t.requests / (report.stormMs / 1000)).toFixed(1), (t.totalMs / Math.max(1, t.requests)).toFixed(1), t.maxMs.toFixed(0), cls(t, "2"), cls(t, "4"), cls(t, "5"), t.byStatus["no answer"] ?? 0]);
      }
      console.log(`\nseed ${report.seed} (rerun with SWITCHYARD_REPLICA_SEED=${report.seed}); ${report.requests} requests in the storm, ${(report.stormMs / 1000).toFixed(1)} s (the planning reads between waves included); all answers incl. setup and checks:`);
      console.log(table.toString());
    }
    if (code !== 0) console.error(`proof:replicas: the checks failed (mocha exit ${code})`);
    process.exit(code ?? 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`proof:replicas failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
