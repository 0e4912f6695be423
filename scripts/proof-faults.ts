/**
 * `npm run proof:faults`: the full versions of the fault tests (tests/server/faults.test.ts).
 *   1. A PostgreSQL outage: a private cluster (initdb in a temporary folder, its own port) is
 *      stopped for PROOF_OUTAGE_MS (default 10,000) under PROOF_WRITERS (8) streams of creates,
 *      readers and the SDK's HTTP client, then started again.
 *   2. kill -9 of the real server process (server/main.ts) in a stream of creates, PROOF_ROUNDS (3)
 *      times after PROOF_KILL_AFTER (100) acknowledged creates each, on PGlite and on PostgreSQL.
 * Prints what it did and the figures; exits 1 when an acknowledged write was lost, a write was
 * half done or duplicated, an outage answer was other than 503, or a restart was refused.
 */
import Table from "cli-table3";
import { runCrash, runOutage, type WriteCheck } from "../tests/helpers/faults";

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 1) throw new Error(`${name} must be a positive number`);
  return v;
};
const OUTAGE_MS = num("PROOF_OUTAGE_MS", 10_000);
const WRITERS = num("PROOF_WRITERS", 8);
const ROUNDS = num("PROOF_ROUNDS", 3);
const KILL_AFTER = num("PROOF_KILL_AFTER", 100);

const t0 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const problems: string[] = [];

function writeProblems(where: string, w: WriteCheck) {
  if (w.lost.length) problems.push(`${where}: ${w.lost.length} acknowledged creates lost`);
  if (w.neverDone.length) problems.push(`${where}: ${w.neverDone.length} creates still refused after retries: ${w.neverDone.slice(0, 3).join("; ")}`);
  if (w.duplicates.length) problems.push(`${where}: duplicates ${w.duplicates.slice(0, 3).join("; ")}`);
  if (w.halfDone.length) problems.push(`${where}: half done ${w.halfDone.slice(0, 3).join("; ")}`);
  if (w.idMismatch.length) problems.push(`${where}: retries answering another id ${w.idMismatch.slice(0, 3).join("; ")}`);
  if (w.connections !== w.sent) problems.push(`${where}: ${w.connections} connections for ${w.sent} creates`);
}

const writeRows = (w: WriteCheck) => [
  ["creates sent", w.sent],
  ["acknowledged (201) before the checks", w.acknowledged],
  ["acknowledged and found afterwards", w.acknowledged - w.lost.length],
  ["unanswered or refused, retried with their Idempotency-Key", w.retried],
  ["still not created after retries", w.neverDone.length],
  ["connections found (one per create expected)", w.connections],
  ["duplicates / half done (no or two audit records)", `${w.duplicates.length} / ${w.halfDone.length}`],
];

async function main() {
  log(`outage: private PostgreSQL stopped for ${OUTAGE_MS} ms under ${WRITERS} writers`);
  const o = await runOutage({ outageMs: OUTAGE_MS, writers: WRITERS, warmupAcks: 100, log });
  const outage = new Table({ head: ["PostgreSQL outage", "figure"] });
  outage.push(
    ["requests answered (all)", o.requests],
    ["answers by status", Object.entries(o.byStatus).map(([s, n]) => `${s === "0" ? "none" : s}: ${n}`).join(", ")],
    ["answers during the outage", o.duringOutage.answered],
    ["of which 503 service_unavailable", o.duringOutage.unavailable],
    ["503 without Retry-After", o.duringOutage.withoutRetryAfter],
    ["max latency during the outage (ms)", o.duringOutage.maxMs],
    ["/readyz during the outage", [...new Set(o.readyzDuringOutage)].join(", ")],
    ["first create after pg_ctl start (ms)", o.recoveryMs],
    ["SDK client create sent during the outage", o.sdk.error ? `failed: ${o.sdk.error}` : `created after ${o.sdk.ms} ms, stored: ${o.sdk.stored}`],
    ...writeRows(o.writes),
  );
  console.log(outage.toString());
  if (o.byStatus["500"]) problems.push(`outage: ${o.byStatus["500"]} answers 500`);
  if (o.duringOutage.other.length) problems.push(`outage: answers other than 503: ${o.duringOutage.other.slice(0, 3).join("; ")}`);
  if (o.duringOutage.withoutRetryAfter) problems.push("outage: 503 without Retry-After");
  if (new Set(o.readyzDuringOutage).size !== 1 || o.readyzDuringOutage[0] !== 503) problems.push(`outage: /readyz answered ${o.readyzDuringOutage}`);
  if (o.sdk.error || !o.sdk.stored) problems.push(`outage: the SDK client did not ride through: ${o.sdk.error}`);
  writeProblems("outage", o.writes);

  for (const database of ["pglite", "postgres"] as const) {
    log(`kill -9 [${database}]: ${ROUNDS} rounds, each after ${KILL_AFTER} acknowledged creates from ${WRITERS} writers`);
    const c = await runCrash({ database, writers: WRITERS, killAfterAcks: KILL_AFTER, rounds: ROUNDS, log });
    const crash = new Table({ head: [`kill -9 [${database}]`, "figure"] });
    crash.push(
      ["kills", c.rounds],
      ["restarts refused", c.refused.length],
      ["restart time, kill to serving (ms)", c.restartMs.join(", ")],
      ["requests without an answer", c.unanswered],
      ...writeRows(c.writes),
    );
    console.log(crash.toString());
    if (c.refused.length) problems.push(`kill -9 [${database}]: restarts refused: ${c.refused.join("; ")}`);
    writeProblems(`kill -9 [${database}]`, c.writes);
  }

  log(problems.length ? `FAILED:\n  ${problems.join("\n  ")}` : "every check held");
  process.exit(problems.length ? 1 : 0);
}

main().catch((err: Error) => {
  console.error(`proof:faults failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
