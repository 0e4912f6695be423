/**
 * Integration syncs at size (SPEC §6.3), through the full service in this process (app.inject:
 * auth, zod, the sync's transaction, audit, schema entries): an AWS estate of 1,000 accounts in
 * 200 organizational units, mirrored by an integration of an organization whose workspaces attach
 * the root folder and two units (through a grant). For each database, BENCH_REPEATS rounds on a
 * fresh organization, each timing
 *   - the first sync (everything created),
 *   - a sync of the same snapshot (nothing changes),
 *   - a 10-account change (3 new, 3 moved, 2 renamed, 2 closed) as a dry run, then applied;
 * and after each sync checks that every workspace's schemas are exactly the ones the snapshot
 * implies. Prints medians (min–max), peak RSS of this process and the targets (PostgreSQL: first
 * sync < 5 s, no-change sync < 1 s).
 *
 *   npm run bench -- mirror-sync
 *   BENCH_DBS=postgres BENCH_REPEATS=5 node --import tsx bench/mirror-sync.ts
 * Settings: BENCH_DBS=pglite,postgres  BENCH_PG_URL (admin URL)  BENCH_REPEATS (3)  BENCH_ACCOUNTS (1000)
 * BENCH_ENFORCE=1 exits 1 when a target is missed or a check fails.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import type { HierarchyNode, HierarchySnapshot } from "../contract/hierarchy";
import { computeMirror, DEFAULT_CONNECTION_TEMPLATES } from "../contract/mirror";
import { buildApp } from "../server/app";
import { createAuthService } from "../server/auth/service";
import type { Db } from "../server/db/db";
import { migrate } from "../server/db/migrate";
import { createPgDb } from "../server/db/pg";
import { createPgliteDb } from "../server/db/pglite";
import { createScopeService } from "../server/scopes/service";
import { createSecretBox } from "../server/secrets";
import { table } from "./lib/report";

type Kind = "pglite" | "postgres";
const KINDS = (process.env.BENCH_DBS ?? "pglite,postgres").split(",") as Kind[];
const PG_ADMIN_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/test";
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const TOP_UNITS = 19;
const SUB_UNITS = 180;
/** Targets in ms on PostgreSQL (PGlite is reported against twice these). */
const TARGETS: Record<string, number> = { "first sync": 5000, "no-change sync": 1000 };

const log = (line: string) => process.stderr.write(`${line}\n`);

async function openDb(kind: Kind): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (kind === "pglite") {
    const db = await createPgliteDb(undefined);
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `sy_bench_mirror_${randomBytes(4).toString("hex")}`;
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

/** 200 folders (a root, 19 units, 180 units below them) and ACCOUNTS accounts spread over the lower units. */
function estate(): HierarchySnapshot {
  const nodes: HierarchyNode[] = [{ id: "r-root", kind: "folder", name: "Root", parentId: null }];
  for (let i = 0; i < TOP_UNITS; i++) nodes.push({ id: `ou-t${i}`, kind: "folder", name: `Division ${i}`, parentId: "r-root" });
  for (let j = 0; j < SUB_UNITS; j++) nodes.push({ id: `ou-s${j}`, kind: "folder", name: `Team ${j}`, parentId: `ou-t${j % TOP_UNITS}` });
  for (let a = 0; a < ACCOUNTS; a++) nodes.push({ id: String(200_000_000_000 + a), kind: "leaf", name: `workload ${a}`, parentId: `ou-s${a % SUB_UNITS}`, meta: { status: "ACTIVE" } });
  return { cloud: "aws", nodes };
}

/** 3 new accounts, 3 moved, 2 renamed, 2 closed. */
function changed(base: HierarchySnapshot): HierarchySnapshot {
  const nodes = base.nodes.map((n) => ({ ...n }));
  const leaf = (a: number) => nodes.find((n) => n.id === String(200_000_000_000 + a))!;
  for (const a of [1, 2, 3]) leaf(a).parentId = "ou-s100";
  for (const a of [4, 5]) leaf(a).name = `renamed workload ${a}`;
  const closed = new Set([String(200_000_000_006), String(200_000_000_007)]);
  const kept = nodes.filter((n) => !closed.has(n.id));
  for (let k = 0; k < 3; k++) kept.push({ id: String(300_000_000_000 + k), kind: "leaf", name: `new workload ${k}`, parentId: "ou-s7" });
  return { cloud: "aws", nodes: kept };
}

interface Step {
  db: Kind;
  step: string;
  ms: number[];
  rss: number;
  summary: string;
  exact: boolean;
}

async function main() {
  const steps: Step[] = [];
  const record = (db: Kind, step: string, ms: number, rss: number, summary: string, exact: boolean) => {
    let s = steps.find((x) => x.db === db && x.step === step);
    if (!s) steps.push((s = { db, step, ms: [], rss: 0, summary, exact: true }));
    s.ms.push(ms);
    s.rss = Math.max(s.rss, rss);
    s.exact &&= exact;
  };

  for (const kind of KINDS) {
    const { db, drop } = await openDb(kind);
    const app = await buildApp({ db, box: createSecretBox(randomBytes(32)), rateLimit: 1_000_000, bodyLimit: 1_048_576 });
    const token = `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
    await createAuthService(db, createScopeService(db)).bootstrap(token);
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await app.inject({ method: method as never, url, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, payload: body ? JSON.stringify(body) : undefined });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 500)}`);
      return res.json();
    };
    try {
      const tenant = await call("POST", "/v1/tenants", { handle: "bench_mirror" });
      for (let round = 0; round < REPEATS; round++) {
        const org = await call("POST", `/v1/tenants/${tenant.id}/orgs`, { handle: `o${round}` });
        const int = await call("POST", `/v1/orgs/${org.id}/integrations`, { type: "aws", handle: `mirror_${round}`, config: { connection: { config: {} } } });
        const wsAll = await call("POST", `/v1/orgs/${org.id}/workspaces`, { handle: "all" });
        const wsTwo = await call("POST", `/v1/orgs/${org.id}/workspaces`, { handle: "two_units" });
        await call("POST", "/v1/grants", { objectId: int.rootFolderId, granteeId: org.id });
        await call("POST", `/v1/workspaces/${wsAll.id}/attachments`, { objectId: int.rootFolderId });

        const base = estate();
        const next = changed(base);
        const timed = async (step: string, snapshot: HierarchySnapshot, query: string, expected: HierarchySnapshot, attachUnits = false) => {
          let peak = process.memoryUsage().rss;
          const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
          const started = process.hrtime.bigint();
          const result = await call("POST", `/v1/integrations/${int.id}/sync${query}`, snapshot);
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          clearInterval(sampler);
          peak = Math.max(peak, process.memoryUsage().rss);
          if (attachUnits) await attachTwoUnits();
          const exact = await schemasExact(expected);
          const s = result.summary;
          record(kind, step, ms, peak, `+${s.create} ~${s.update} →${s.move} ✎${s.rename} −${s.delete} =${s.unchanged}`, exact);
          log(`${kind} round ${round + 1}: ${step} ${ms.toFixed(0)} ms, schemas ${exact ? "exact" : "WRONG"}`);
        };
        const unitIds: string[] = [];
        const attachTwoUnits = async () => {
          const tree = await call("GET", `/v1/orgs/${org.id}/tree?limit=5000`);
          for (const t of tree.items.filter((i: { type: string; title: string }) => i.type === "folder" && (i.title === "Division 0" || i.title === "Division 1"))) {
            unitIds.push(t.id);
            await call("POST", `/v1/workspaces/${wsTwo.id}/attachments`, { objectId: t.id });
          }
        };
        /** Every workspace's schema names equal the snapshot's handles (all of them, or those below the two units), all indirect. */
        const schemasExact = async (snapshot: HierarchySnapshot) => {
          const mirror = computeMirror(snapshot, { connection: DEFAULT_CONNECTION_TEMPLATES.aws });
          const parent = new Map(snapshot.nodes.map((n) => [n.id, n.parentId]));
          const under = (id: string, top: string[]) => {
            for (let p = parent.get(id) ?? null; p; p = parent.get(p) ?? null) if (top.includes(p)) return true;
            return false;
          };
          const names = async (ws: string) => {
            const out: string[] = [];
            let cursor: string | null = null;
            do {
              const page: { items: { name: string; state: string }[]; nextCursor: string | null } = await call("GET", `/v1/workspaces/${ws}/schemas?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
              out.push(...page.items.map((i) => `${i.name}:${i.state}`));
              cursor = page.nextCursor;
            } while (cursor);
            return out.sort();
          };
          const want = (leaves: typeof mirror.leaves) => leaves.map((l) => `${l.handle}:indirect`).sort();
          const all = JSON.stringify(await names(wsAll.id)) === JSON.stringify(want(mirror.leaves));
          const two = unitIds.length === 0 || JSON.stringify(await names(wsTwo.id)) === JSON.stringify(want(mirror.leaves.filter((l) => under(l.cloudId, ["ou-t0", "ou-t1"]))));
          return all && two;
        };

        await timed("first sync", base, "", base, true);
        await timed("no-change sync", base, "", base);
        await timed("10-account change, dry run", next, "?dryRun=true", base);
        await timed("10-account change", next, "", next);
      }
    } finally {
      await app.close();
      await drop();
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = steps.map((s) => {
    const target = TARGETS[s.step] !== undefined ? TARGETS[s.step] * (s.db === "pglite" ? 2 : 1) : undefined;
    const met = target === undefined ? "" : median(s.ms) < target ? "yes" : "NO";
    return [s.db, s.step, median(s.ms).toFixed(0), `${Math.min(...s.ms).toFixed(0)}–${Math.max(...s.ms).toFixed(0)}`, (s.rss / 2 ** 20).toFixed(0), s.summary, s.exact ? "yes" : "NO", target ? `< ${target} ms` : "", met];
  });
  console.log(`\nIntegration sync: ${ACCOUNTS} accounts in ${1 + TOP_UNITS + SUB_UNITS} folders, ${REPEATS} round(s) per database (in-process, app.inject)`);
  console.log(table(["db", "step", "median ms", "(min–max)", "peak RSS MiB", "plan (+create ~update →move ✎rename −delete =unchanged)", "schemas exact", "target", "met"], rows, (c) => c >= 2 && c <= 4));
  const failed = steps.some((s) => !s.exact) || rows.some((r) => r[8] === "NO");
  if (failed && process.env.BENCH_ENFORCE) process.exit(1);
  if (steps.some((s) => !s.exact)) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
