/**
 * The sharing model at size, over HTTP against a real listening server (started in this process
 * with app.listen on 127.0.0.1): a tenant with 1,000 folders (6 levels), 10,000 connections,
 * grants and attachments across 100 workspaces. Prints p50/p99 for
 *   - GET /healthz                                the baseline: Fastify's floor on this machine
 *   - GET /v1/workspaces/{id}/schemas             the workspace with the most schemas
 *   - GET /v1/connections/{id}/workspaces         the connection in the most workspaces
 *   - PATCH /v1/folders/{id} (a large folder moved between two attached parents), and the
 *     schema lists of a workspace on each side right afterwards
 * on PGlite and on PostgreSQL (a throwaway database), and EXPLAIN ANALYZE of the read queries.
 *
 *   node --import tsx bench/sharing.ts
 * Settings: BENCH_DBS=pglite,postgres  BENCH_PG_URL (admin URL)  BENCH_ITERATIONS (reads, 300)
 * BENCH_MOVES (20)  BENCH_PLANS_DIR (where plans are written; default a temp folder)
 * BENCH_ENFORCE=1 exits 1 when a target is missed.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { strandedAttachments } from "../server/attachments/availability";
import { syncConnections } from "../server/attachments/entries";
import { WORKSPACE_SCHEMAS_SQL } from "../server/attachments/queries";
import { buildApp } from "../server/app";
import { createAuthService } from "../server/auth/service";
import type { Db, Queryable } from "../server/db/db";
import { migrate } from "../server/db/migrate";
import { createPgDb } from "../server/db/pg";
import { createPgliteDb } from "../server/db/pglite";
import { createScopeService } from "../server/scopes/service";
import { createSecretBox } from "../server/secrets";
import { seedSharing, type Http } from "./lib/sharing-seed";

type Kind = "pglite" | "postgres";
const KINDS = (process.env.BENCH_DBS ?? "pglite,postgres").split(",") as Kind[];
const PG_ADMIN_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const MOVES = Number(process.env.BENCH_MOVES ?? 20);
const PLANS_DIR = process.env.BENCH_PLANS_DIR ?? mkdtempSync(join(tmpdir(), "sy-sharing-plans-"));
/** p99 targets for one workspace's schemas, in ms. */
const SCHEMAS_P99: Record<Kind, number> = { postgres: 20, pglite: 30 };

const log = (line: string) => process.stderr.write(`${line}\n`);

async function openDb(kind: Kind): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (kind === "pglite") {
    const db = await createPgliteDb(undefined);
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `sy_bench_sharing_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createPgDb({ connectionString: url.toString(), max: 10 });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A Queryable that records the statements it is given and runs none (to explain them afterwards). */
function tracedQueries(_db: Db) {
  const calls: { sql: string; params: unknown[] }[] = [];
  const db: Queryable = {
    async query(sql, params) {
      calls.push({ sql, params: [...(params ?? [])] });
      return { rows: [], rowCount: 0 };
    },
    async execScript() {},
  };
  return { db, calls };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Row {
  db: Kind;
  what: string;
  p50: number;
  p99: number;
  n: number;
}

async function timed(n: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

/**
 * EXPLAIN ANALYZE of one statement, after an optional setup statement, in a transaction rolled
 * back (so writes can be explained too).
 */
async function explain(db: Db, kind: Kind, name: string, sql: string, params: unknown[], setup?: { sql: string; params: unknown[] }) {
  let rows: Record<string, string>[] = [];
  await db
    .transaction(async (tx) => {
      if (setup) await tx.query(setup.sql, setup.params);
      rows = (await tx.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows;
      throw new Error("rollback");
    })
    .catch((err: Error) => {
      if (err.message !== "rollback") throw err;
    });
  const plan = rows.map((r) => Object.values(r)[0]).join("\n");
  const file = join(PLANS_DIR, `${kind}-${name}.txt`);
  writeFileSync(file, `${plan}\n`);
  const time = plan.match(/Execution Time: [\d.]+ ms/)?.[0] ?? "";
  log(`  plan ${name}: ${time} → ${file}`);
}

async function benchOne(kind: Kind): Promise<Row[]> {
  log(`\n[${kind}] seeding …`);
  const { db, drop } = await openDb(kind);
  const box = createSecretBox(randomBytes(32));
  const app = await buildApp({ db, box, rateLimit: 100_000_000, logger: false });
  const token = `sy_bench${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
  await createAuthService(db, createScopeService(db)).bootstrap(token);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const http: Http = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const get = async (path: string) => {
    const res = await http("GET", path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  try {
    const t0 = Date.now();
    const seeded = await seedSharing(db, http, log);
    log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (kind === "postgres") await db.query("ANALYZE");

    const { rows: wsRows } = await db.query<{ workspace_id: string; n: number }>(
      "SELECT workspace_id, count(*)::int AS n FROM schema_entries GROUP BY workspace_id ORDER BY n DESC, workspace_id LIMIT 1",
    );
    const { rows: connRows } = await db.query<{ connection_id: string; n: number }>(
      "SELECT connection_id, count(*)::int AS n FROM schema_entries GROUP BY connection_id ORDER BY n DESC, connection_id LIMIT 1",
    );
    const bigWs = wsRows[0];
    const usedConn = connRows[0];
    log(`  largest workspace: ${bigWs.n} schemas; most used connection: in ${usedConn.n} workspaces; moved folder: ${seeded.moved.connectionsBelow} connections below`);

    const rows: Row[] = [];
    const record = (what: string, times: number[]) => rows.push({ db: kind, what, p50: percentile(times, 50), p99: percentile(times, 99), n: times.length });
    record("GET /healthz (baseline)", await timed(ITERATIONS, async () => void (await fetch(`${base}/healthz`).then((r) => r.text()))));
    record("GET /v1/me (authenticated floor)", await timed(ITERATIONS, async () => void (await get("/v1/me"))));
    record(`GET workspace schemas (${bigWs.n} schemas, first page)`, await timed(ITERATIONS, async () => void (await get(`/v1/workspaces/${bigWs.workspace_id}/schemas`))));
    record(`GET workspace schemas, all pages (limit=500)`, await timed(Math.ceil(ITERATIONS / 3), async () => void (await get(`/v1/workspaces/${bigWs.workspace_id}/schemas?limit=500`))));
    record(`GET connection workspaces (${usedConn.n} workspaces)`, await timed(ITERATIONS, async () => void (await get(`/v1/connections/${usedConn.connection_id}/workspaces`))));

    const { folderId, from, to } = seeded.moved;
    let at = from;
    const moveTimes: number[] = [];
    const afterTimes: number[] = [];
    for (let i = 0; i < MOVES; i++) {
      at = at === from ? to : from;
      const m0 = performance.now();
      const res = await http("PATCH", `/v1/folders/${folderId}`, { parentId: at });
      if (res.status !== 200) throw new Error(`move: ${res.status} ${JSON.stringify(res.body)}`);
      const m1 = performance.now();
      await get(`/v1/workspaces/${seeded.seesFrom}/schemas`);
      await get(`/v1/workspaces/${seeded.seesTo}/schemas`);
      moveTimes.push(m1 - m0);
      afterTimes.push(performance.now() - m1);
    }
    record(`PATCH move of a folder with ${seeded.moved.connectionsBelow} connections below`, moveTimes.sort((a, b) => a - b));
    record("  then both sides' schema lists", afterTimes.sort((a, b) => a - b));

    await explain(db, kind, "workspace-schemas-first-page", WORKSPACE_SCHEMAS_SQL, [bigWs.workspace_id, null, 0, 101]);
    await explain(db, kind, "workspace-schemas-all", WORKSPACE_SCHEMAS_SQL, [bigWs.workspace_id, null, 0, null]);
    // what a move runs after the update: the stranded-attachment check and the entries resync
    const traced = tracedQueries(db);
    await strandedAttachments(traced.db, seeded.tenantId, { under: { folderId: seeded.moved.folderId } });
    const seeing = await db.query<{ workspace_id: string }>("SELECT DISTINCT workspace_id FROM attachments WHERE folder_id = ANY($1::text[])", [[from, to]]);
    await syncConnections(traced.db, { folderId }, seeing.rows.map((r) => r.workspace_id));
    await explain(db, kind, "move-stranded-check", traced.calls[0].sql, traced.calls[0].params);
    // the resync right after the move itself (the folder already under its new parent)
    const moveIt = { sql: "UPDATE folders SET parent_id = $2 WHERE id = $1", params: [folderId, at === from ? to : from] };
    await explain(db, kind, "move-sync-entries", traced.calls[1].sql, traced.calls[1].params, moveIt);
    return rows;
  } finally {
    await app.close();
    await drop();
  }
}

async function main() {
  const all: Row[] = [];
  for (const kind of KINDS) all.push(...(await benchOne(kind)));
  console.log("\ndb        | measure                                                        |   p50 ms |   p99 ms | p50 / healthz");
  console.log("----------|----------------------------------------------------------------|----------|----------|--------------");
  let missed = false;
  for (const r of all) {
    const baseline = all.find((b) => b.db === r.db && b.what.startsWith("GET /healthz"))!;
    console.log(`${r.db.padEnd(9)} | ${r.what.padEnd(62)} | ${r.p50.toFixed(2).padStart(8)} | ${r.p99.toFixed(2).padStart(8)} | ${(r.p50 / baseline.p50).toFixed(1).padStart(12)}×`);
  }
  for (const kind of KINDS) {
    const s = all.find((r) => r.db === kind && r.what.startsWith("GET workspace schemas ("))!;
    const ok = s.p99 <= SCHEMAS_P99[kind];
    missed ||= !ok;
    console.log(`target ${kind}: schemas p99 ≤ ${SCHEMAS_P99[kind]} ms: ${ok ? "met" : "MISSED"} (${s.p99.toFixed(2)} ms)`);
  }
  console.log(`plans: ${PLANS_DIR}`);
  if (missed && process.env.BENCH_ENFORCE === "1") process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
