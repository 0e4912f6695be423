/**
 * Connections API through the full stack: the built server in a child process (Fastify, auth,
 * rate limiting, zod validation and serialization, AES-GCM sealing, audit, the database), loaded
 * by autocannon from this process. Measures, on PGlite and on PostgreSQL:
 *   - GET /healthz                          Fastify's own floor, the baseline (same server process)
 *   - GET /v1/connections/{id}              token lookup + connection + scope, secrets redacted; round
 *                                           BENCH_READ_SET (1,000) connections, one after another
 *   - POST /v1/tenants/{id}/connections     postgres config with a password, unique handle per request
 * Each request runs at BENCH_CONNECTIONS (50) and at BENCH_FEW_CONNECTIONS (24) connections: in a
 * closed loop the mean latency is connections ÷ req/s (Little's law), so at 50 connections and
 * 2,000 creates/s no server can answer with a p99 ≤ 25 ms; fewer clients at the target rate show
 * what the service itself adds.
 * Writes its figures to bench/out/connections.json, from which `npm run bench` draws its report.
 * BENCH_REPEATS rounds; in each, every request kind gets a run on BENCH_CONNECTIONS fresh
 * connections: a warm-up (≥ BENCH_WARMUP s, until every connection was served twice), then a
 * BENCH_DURATION s window. Medians are reported with ratios to the baseline.
 *
 *   node --import tsx bench/connections.ts
 *   BENCH_DURATION=5 BENCH_DBS=postgres BENCH_ONLY=get BENCH_CPU_PROF=/tmp/prof node --import tsx bench/connections.ts
 * Other settings: BENCH_WARMUP (s), BENCH_CONNECTIONS, BENCH_FEW_CONNECTIONS, BENCH_READ_SET, BENCH_REPEATS, BENCH_PG_URL, BENCH_LOG_LEVEL,
 * BENCH_SKIP_BUILD=1; SWITCHYARD_* variables (e.g. SWITCHYARD_DB_POOL) pass through to the server.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type autocannon from "autocannon";
import { call } from "./lib/api";
import { loadSettings, measure, num, type Measured, type Scenario } from "./lib/load";
import { resultTable } from "./lib/report";
import { buildOnce, OUT_DIR, postgresReachable, startServer, type BenchDb, type RunningServer } from "./lib/server";

/** Targets on PostgreSQL; PGlite (one in-process connection) is held to half the throughput and twice the p99. */
const TARGETS: Record<BenchDb, { get: { rps: number; p99: number }; create: { rps: number; p99: number } }> = {
  postgres: { get: { rps: 5000, p99: 15 }, create: { rps: 2000, p99: 25 } },
  pglite: { get: { rps: 2500, p99: 30 }, create: { rps: 1000, p99: 50 } },
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A tenant, an operator in it acting through their own token, and one connection to read. */
async function setUp(server: RunningServer) {
  const admin = server.adminToken;
  const tenant = await call<{ id: string }>(server.url, admin, "POST", "/v1/tenants", { handle: "bench", title: "Bench" });
  const user = await call<{ id: string }>(server.url, admin, "POST", "/v1/users", { handle: "bench_operator" });
  await call(server.url, admin, "PUT", `/v1/tenants/${tenant.id}/members/${user.id}`, { role: "operator" });
  const { token } = await call<{ token: string }>(server.url, admin, "POST", "/v1/tokens", { userId: user.id, name: "bench" });
  const conn = await call<{ id: string }>(server.url, token, "POST", `/v1/tenants/${tenant.id}/connections`, {
    plugin: "postgres",
    handle: "bench_read",
    title: "Read me",
    config: { host: "db.example.internal", port: 5432, database: "analytics", user: "reader", password: "s3cret-password-for-the-bench", sslmode: "require" },
  });
  // The path measured must be the real one: 200, secret redacted.
  const read = await call<{ config: Record<string, unknown> }>(server.url, token, "GET", `/v1/connections/${conn.id}`);
  const pw = read.config.password as { secret?: boolean; set?: boolean } | undefined;
  if (!pw?.secret || !pw.set || JSON.stringify(read).includes("s3cret")) throw new Error(`unexpected read of the bench connection: ${JSON.stringify(read)}`);
  // The reads go round READ_SET connections, so that reads sent together (server/db/batch.ts)
  // ask for different rows, as a fleet of clients would, not for one row many times.
  const readIds = [conn.id];
  while (readIds.length < READ_SET) {
    const batch = Array.from({ length: Math.min(50, READ_SET - readIds.length) }, (_, i) => readIds.length + i);
    const made = await Promise.all(
      batch.map((n) =>
        call<{ id: string }>(server.url, token, "POST", `/v1/tenants/${tenant.id}/connections`, {
          plugin: "postgres",
          handle: `bench_read_${n}`,
          title: `Read me ${n}`,
          config: { host: "db.example.internal", port: 5432, database: "analytics", user: `reader_${n}`, password: `s3cret-password-${n}`, sslmode: "require" },
        }),
      ),
    );
    readIds.push(...made.map((c) => c.id));
  }
  return { tenantId: tenant.id, token, readIds };
}

/** How many connections the GETs go round. */
const READ_SET = Math.round(num("BENCH_READ_SET", 1000, 1));

let sequence = 0;

function scenarios(db: BenchDb, ctx: { tenantId: string; token: string; readIds: string[] }): Scenario[] {
  const auth = { authorization: `Bearer ${ctx.token}` };
  let next = 0;
  const get: autocannon.RequestSpec = {
    method: "GET",
    headers: auth,
    setupRequest: (req) => {
      req.path = `/v1/connections/${ctx.readIds[next++ % ctx.readIds.length]}`;
      return req;
    },
  };
  const create: autocannon.RequestSpec = {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    // A fresh explicit handle per request: derived handles scan for a free suffix.
    setupRequest: (req) => {
      const n = ++sequence;
      req.body = JSON.stringify({
        plugin: "postgres",
        handle: `bench_${n}`,
        title: `Bench ${n}`,
        description: "created by bench/connections.ts",
        config: { host: "db.example.internal", port: 5432, database: "analytics", user: `user_${n}`, password: `pw-${n}-s3cret`, sslmode: "require" },
      });
      return req;
    },
  };
  const t = TARGETS[db];
  const getPath = `/v1/connections/${ctx.readIds[0]}`;
  const createPath = `/v1/tenants/${ctx.tenantId}/connections`;
  // Each request at BENCH_CONNECTIONS and at FEW connections (why: the header above).
  const few = ` (${FEW} connections)`;
  return [
    { name: "GET /healthz", path: "/healthz", baseline: true },
    { name: "GET connection", path: getPath, target: t.get, requests: [get] },
    { name: `GET connection${few}`, path: getPath, target: t.get, requests: [get], connections: FEW },
    { name: "POST connection", path: createPath, target: t.create, requests: [create] },
    { name: `POST connection${few}`, path: createPath, target: t.create, requests: [create], connections: FEW },
  ];
}

/** The smaller number of connections each request is also measured at (BENCH_FEW_CONNECTIONS). */
const FEW = Math.round(num("BENCH_FEW_CONNECTIONS", 24, 1));

async function main() {
  const settings = loadSettings();
  buildOnce();
  const dbs: BenchDb[] = [];
  for (const db of settings.dbs) {
    if (db === "postgres" && !(await postgresReachable())) {
      if (settings.dbsExplicit) throw new Error("PostgreSQL is not reachable (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test)");
      log("bench: PostgreSQL is not reachable; measuring PGlite only");
      continue;
    }
    dbs.push(db);
  }

  const cores = cpus();
  log(
    `bench connections: ${settings.repeats} × ${settings.duration} s per measurement (warm-up ${settings.warmup} s), ${settings.connections} connections, ` +
      `node ${process.version}, ${cores.length} × ${cores[0]?.model ?? "cpu"}`,
  );

  const byDb: { db: string; results: Measured[] }[] = [];
  for (const db of dbs) {
    log(`\n[${db}] starting the server`);
    const server = await startServer({
      db,
      nodeArgs: settings.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${settings.cpuProfDir}`, `--cpu-prof-name=server-${db}-${Date.now()}.cpuprofile`] : [],
      env: process.env.BENCH_LOG_LEVEL ? { SWITCHYARD_LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {},
    });
    try {
      const ctx = await setUp(server);
      byDb.push({ db, results: await measure(server, scenarios(db, ctx), settings, log) });
    } catch (err) {
      log(server.output());
      throw err;
    } finally {
      await server.stop();
    }
  }

  // For the report of `npm run bench` (bench/run.ts): the figures and the run's settings.
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(
    join(OUT_DIR, "connections.json"),
    JSON.stringify({ settings: { ...settings, only: settings.only?.source }, node: process.version, cpus: `${cores.length} × ${cores[0]?.model ?? "cpu"}`, at: new Date().toISOString(), byDb }, null, 2),
  );

  const failed = byDb.flatMap((d) => d.results).reduce((a, r) => a + r.samples.reduce((b, s) => b + s.bad, 0), 0);
  console.log(
    [
      "",
      `Connections API, full stack (built server in a child process; autocannon in this process), ` +
        `${settings.connections} connections, median of ${settings.repeats} × ${settings.duration} s`,
      "",
      resultTable(byDb),
      "",
      `Notes: ${cores.length} cores shared by the load generator, the server${dbs.includes("postgres") ? " and PostgreSQL (local)" : ""}; ` +
        "latencies of 2xx answers only; ratios are to GET /healthz of the same server.",
      "PGlite targets are half the PostgreSQL throughput targets, with twice the p99 budget.",
    ].join("\n"),
  );
  if (failed > 0) {
    console.error(`bench: ${failed} requests failed (non-2xx, errors or timeouts): the figures do not measure the intended path`);
    process.exitCode = 1;
  }
}

main().catch((err: Error) => {
  console.error(`bench connections failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
