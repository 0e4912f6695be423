import type { FastifyInstance } from "fastify";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SwitchyardClient } from "../../provider/client";
import { buildApp } from "../../server/app";
import { createAuthService } from "../../server/auth/service";
import type { Db } from "../../server/db/db";
import { migrate } from "../../server/db/migrate";
import { createPgDb } from "../../server/db/pg";
import { createScopeService } from "../../server/scopes/service";
import { createSecretBox } from "../../server/secrets";
import { freePort, startPrivatePostgres, type PrivatePostgres } from "./private-postgres";
import { kill9, serving, spawnServer, stopServer, type ServerProcess } from "./server-process";

/**
 * Fault scenarios shared by the tests (small) and `npm run proof:faults` (large): a PostgreSQL
 * outage under a stream of writes, and kill -9 of the service in a stream of writes. Each answers
 * figures; the caller asserts or prints them.
 */

export interface Answer {
  status: number; // 0: no answer (connection refused or cut, or our own time limit)
  ms: number;
  at: number;
  body?: any;
  retryAfter?: string | null;
}

/** One HTTP request with a time limit of its own, so that a hung service shows as a failure. */
export async function send(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, limitMs = 60_000): Promise<Answer> {
  const at = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(limitMs),
    });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - at, at, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get("retry-after") };
  } catch {
    return { status: 0, ms: Date.now() - at, at };
  }
}

/** Every connection of a tenant, through the paginated list. */
export async function listConnections(base: string, token: string, tenantId: string): Promise<{ id: string; handle: string }[]> {
  const all: { id: string; handle: string }[] = [];
  for (let cursor: string | null = null; ; ) {
    const r = await send(base, token, "GET", `/v1/tenants/${tenantId}/connections?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (r.status !== 200) throw new Error(`listing connections answered ${r.status}: ${JSON.stringify(r.body)}`);
    all.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (!cursor) return all;
  }
}

/** The ids of the audit records of one action in a tenant, one entry per record. */
export async function auditTargets(base: string, token: string, tenantId: string, action: string): Promise<string[]> {
  const all: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const r = await send(base, token, "GET", `/v1/tenants/${tenantId}/audit?action=${action}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (r.status !== 200) throw new Error(`reading the audit log answered ${r.status}: ${JSON.stringify(r.body)}`);
    all.push(...r.body.items.map((i: { targetId: string }) => i.targetId));
    cursor = r.body.nextCursor;
    if (!cursor) return all;
  }
}

interface Write {
  key: string;
  handle: string;
  body: unknown;
  answers: Answer[];
}

/** A stream of connection creates, each with its Idempotency-Key, from `writers` loops, until `stop()`. */
function writeStream(base: () => string, token: string, tenantId: string, writers: number, tag: string) {
  const writes: Write[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: writers }, async () => {
    while (!stopped) {
      const handle = `${tag}_${++n}`;
      const w: Write = { key: randomUUID(), handle, body: { plugin: "custom", handle, config: { n: String(n) } }, answers: [] };
      writes.push(w);
      w.answers.push(await send(base(), token, "POST", `/v1/tenants/${tenantId}/connections`, w.body, { "idempotency-key": w.key }));
      // a refusal answers at once: do not spin while the service or its database is down
      if (w.answers[0].status !== 201) await new Promise((r) => setTimeout(r, w.answers[0].status === 0 ? 250 : 50));
    }
  });
  const acked = () => writes.filter((w) => w.answers.some((a) => a.status === 201)).length;
  return {
    writes,
    acked,
    /** Waits for `n` acknowledged creates in all; fails, saying what was answered, after `limitMs`. */
    async until(n: number, limitMs = 30_000) {
      const deadline = Date.now() + limitMs;
      while (acked() < n) {
        const refused = writes.flatMap((w) => w.answers).find((a) => a.status >= 400 && a.status < 500);
        if (refused || Date.now() > deadline) {
          const statuses: Record<string, number> = {};
          for (const a of writes.flatMap((w) => w.answers)) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
          throw new Error(`waiting for ${n} acknowledged creates: ${acked()} so far; answers ${JSON.stringify(statuses)}${refused ? `; a refusal: ${JSON.stringify(refused.body)}` : ""}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Retries every create that was not answered 201, with its own key, until it is (at most `tries` each). */
async function retryUnanswered(base: string, token: string, tenantId: string, writes: Write[], tries = 5): Promise<number> {
  let retried = 0;
  for (const w of writes) {
    for (let i = 0; i < tries && !w.answers.some((a) => a.status === 201); i++) {
      if (i === 0) retried++;
      w.answers.push(await send(base, token, "POST", `/v1/tenants/${tenantId}/connections`, w.body, { "idempotency-key": w.key }));
    }
  }
  return retried;
}

/** What a stream of creates left behind, checked through the API. */
export interface WriteCheck {
  sent: number;
  acknowledged: number;
  /** Acknowledged before the fault and not found after it. */
  lost: string[];
  retried: number;
  /** Creates still not answered 201 after their retries. */
  neverDone: string[];
  connections: number;
  /** Handles with other than one connection, connections without exactly one create record. */
  duplicates: string[];
  halfDone: string[];
  /** A retry that answered another id than the first answer. */
  idMismatch: string[];
}

async function checkWrites(base: string, token: string, tenantId: string, writes: Write[]): Promise<WriteCheck> {
  const ackedBefore = writes.filter((w) => w.answers.some((a) => a.status === 201));
  const firstIds = new Map(ackedBefore.map((w) => [w.key, (w.answers.find((a) => a.status === 201) as Answer).body.id as string]));
  const retried = await retryUnanswered(base, token, tenantId, writes);
  const handles = new Set(writes.map((w) => w.handle));
  const prefix = writes[0]?.handle.replace(/_\d+$/, "_") ?? "";
  const conns = (await listConnections(base, token, tenantId)).filter((c) => handles.has(c.handle) || c.handle.startsWith(prefix));
  const byHandle = new Map<string, string[]>();
  for (const c of conns) byHandle.set(c.handle, [...(byHandle.get(c.handle) ?? []), c.id]);
  const ours = new Set(conns.map((c) => c.id));
  const all = await listConnections(base, token, tenantId);
  const others = new Set(all.filter((c) => !ours.has(c.id)).map((c) => c.id));
  const creates = (await auditTargets(base, token, tenantId, "connection.create")).filter((id) => !others.has(id));
  const records = new Map<string, number>();
  for (const id of creates) records.set(id, (records.get(id) ?? 0) + 1);
  const ids = new Set(conns.map((c) => c.id));
  return {
    sent: writes.length,
    acknowledged: ackedBefore.length,
    lost: [...firstIds.values()].filter((id) => !ids.has(id)),
    retried,
    neverDone: writes.filter((w) => !w.answers.some((a) => a.status === 201)).map((w) => `${w.handle}: ${w.answers.map((a) => a.status).join(",")}`),
    connections: conns.length,
    duplicates: [...byHandle].filter(([h, list]) => list.length !== 1 || !writes.some((w) => w.handle === h)).map(([h, list]) => `${h}: ${list.length}`),
    halfDone: [...conns.filter((c) => records.get(c.id) !== 1).map((c) => `${c.id}: ${records.get(c.id) ?? 0} create records`), ...creates.filter((id) => !ids.has(id)).map((id) => `record of missing ${id}`)],
    idMismatch: writes
      .filter((w) => firstIds.has(w.key))
      .flatMap((w) => w.answers.filter((a) => a.status === 201 && a.body.id !== firstIds.get(w.key)).map((a) => `${w.handle}: ${a.body.id} vs ${firstIds.get(w.key)}`)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newAdminToken = () => `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;

// ---------------------------------------------------------------------------------------------
// A PostgreSQL outage under a stream of writes

export interface OutageOptions {
  /** How long PostgreSQL stays stopped. */
  outageMs: number;
  writers: number;
  /** Acknowledged creates before PostgreSQL is stopped. */
  warmupAcks: number;
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface OutageFigures {
  requests: number;
  byStatus: Record<string, number>;
  /** Answers while PostgreSQL was down (sent after the stop, answered before the start). */
  duringOutage: { answered: number; unavailable: number; other: string[]; withoutRetryAfter: number; maxMs: number };
  readyzDuringOutage: number[];
  /** From `pg_ctl start` to the first create answered 201. */
  recoveryMs: number;
  writes: WriteCheck;
  /** The SDK's client, sent a create during the outage: the id it got, and whether it is stored. */
  sdk: { id?: string; error?: string; ms: number; stored: boolean };
}

export async function runOutage(o: OutageOptions): Promise<OutageFigures> {
  const log = o.log ?? (() => undefined);
  const cluster = await startPrivatePostgres();
  let db: Db | undefined;
  let app: FastifyInstance | undefined;
  try {
    log(`private PostgreSQL on 127.0.0.1:${cluster.port} (${cluster.dir})`);
    db = createPgDb({ connectionString: cluster.url, max: 8, connectTimeoutMs: o.connectTimeoutMs ?? 1_000, statementTimeoutMs: 5_000 });
    await migrate(db);
    const token = newAdminToken();
    await createAuthService(db, createScopeService(db)).bootstrap(token);
    app = await buildApp({ db, box: createSecretBox(randomBytes(32)), rateLimit: 1_000_000, logger: false });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const tenant = await send(base, token, "POST", "/v1/tenants", { handle: "outage" });
    if (tenant.status !== 201) throw new Error(`creating the tenant answered ${tenant.status}`);
    const tenantId = tenant.body.id as string;

    const stream = writeStream(() => base, token, tenantId, o.writers, "out");
    await stream.until(o.warmupAcks);
    const readers: Answer[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        readers.push(await send(base, token, "GET", "/v1/me"));
        readers.push(await send(base, token, "GET", `/v1/tenants/${tenantId}/connections?limit=5`));
        await sleep(25);
      }
    })();

    cluster.stop();
    const down = Date.now();
    log(`PostgreSQL stopped after ${stream.acked()} acknowledged creates; down for ${o.outageMs} ms`);
    const client = new SwitchyardClient({ url: base, token }, { retries: 8, retryDelayMs: 250, timeoutMs: 10_000 });
    const sdkStart = Date.now();
    const sdk = client.create<{ id: string }>(`/v1/tenants/${tenantId}/connections`, { plugin: "custom", handle: "sdk_rides_through", config: {} }).then(
      (r) => ({ id: r.body.id, ms: Date.now() - sdkStart }),
      (err: Error) => ({ error: err.message, ms: Date.now() - sdkStart }),
    );
    const readyz: number[] = [];
    while (Date.now() - down < o.outageMs) {
      readyz.push((await send(base, token, "GET", "/readyz")).status);
      await sleep(200);
    }
    const startAt = Date.now();
    cluster.start();
    const up = Date.now();
    log(`PostgreSQL started again (pg_ctl start took ${up - startAt} ms)`);
    const ackedAtStart = stream.acked();
    while (!stream.writes.some((w) => w.answers.some((a) => a.status === 201 && a.at >= startAt))) {
      if (Date.now() - up > 30_000) throw new Error("no create succeeded within 30 s of PostgreSQL's return");
      await sleep(10);
    }
    const firstOk = Math.min(...stream.writes.flatMap((w) => w.answers.filter((a) => a.status === 201 && a.at >= startAt).map((a) => a.at + a.ms)));
    await stream.until(ackedAtStart + o.writers * 5);
    await stream.stop();
    reading = false;
    await reader;
    const sdkResult = await sdk;

    const answers = [...stream.writes.flatMap((w) => w.answers), ...readers];
    const byStatus: Record<string, number> = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    const during = answers.filter((a) => a.at >= down && a.at + a.ms <= startAt);
    const writes = await checkWrites(base, token, tenantId, stream.writes);
    const stored = sdkResult && "id" in sdkResult ? (await send(base, token, "GET", `/v1/connections/${sdkResult.id}`)).status === 200 : false;
    return {
      requests: answers.length,
      byStatus,
      duringOutage: {
        answered: during.length,
        unavailable: during.filter((a) => a.status === 503 && a.body?.error?.code === "service_unavailable").length,
        other: during.filter((a) => !(a.status === 503 && a.body?.error?.code === "service_unavailable")).map((a) => `${a.status} ${JSON.stringify(a.body)}`),
        withoutRetryAfter: during.filter((a) => a.status === 503 && !a.retryAfter).length,
        maxMs: Math.max(0, ...during.map((a) => a.ms)),
      },
      readyzDuringOutage: readyz,
      recoveryMs: firstOk - startAt,
      writes,
      sdk: { ...sdkResult, stored },
    };
  } finally {
    await app?.close();
    await db?.close().catch(() => undefined);
    cluster.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// kill -9 of the service in a stream of writes

export interface CrashOptions {
  database: "pglite" | "postgres";
  writers: number;
  /** Kills after this many acknowledged creates… */
  killAfterAcks: number;
  /** …this many times in a row (each followed by a restart). */
  rounds: number;
  log?: (line: string) => void;
}

export interface CrashFigures {
  database: string;
  rounds: number;
  /** Requests without an answer when the process died. */
  unanswered: number;
  /** Milliseconds from the kill to the restarted service answering /readyz 200. */
  restartMs: number[];
  /** Restarts refused (e.g. "in use by another Switchyard process"). */
  refused: string[];
  writes: WriteCheck;
}

export async function runCrash(o: CrashOptions): Promise<CrashFigures> {
  const log = o.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), "sy-crash-"));
  let cluster: PrivatePostgres | undefined;
  let server: ServerProcess | undefined;
  try {
    if (o.database === "postgres") cluster = await startPrivatePostgres();
    const token = newAdminToken();
    const env = {
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_BOOTSTRAP_TOKEN: token,
      SWITCHYARD_SECRET_KEY: randomBytes(32).toString("base64"),
      SWITCHYARD_RATE_LIMIT: "100000000",
      DATABASE_URL: cluster?.url ?? "",
    };
    const port = await freePort();
    const boot = async () => {
      const s = await spawnServer(env, port);
      await serving(s);
      return s;
    };
    server = await boot();
    const base = server.url;
    const tenant = await send(base, token, "POST", "/v1/tenants", { handle: "crash" });
    if (tenant.status !== 201) throw new Error(`creating the tenant answered ${tenant.status}`);
    const tenantId = tenant.body.id as string;

    const refused: string[] = [];
    const restartMs: number[] = [];
    const stream = writeStream(() => base, token, tenantId, o.writers, "crash");
    for (let round = 1; round <= o.rounds; round++) {
      await stream.until(stream.acked() + o.killAfterAcks);
      await kill9(server);
      const killed = Date.now();
      log(`round ${round}: kill -9 after ${stream.acked()} acknowledged creates`);
      for (;;) {
        const s = await spawnServer(env, port);
        try {
          await serving(s);
          server = s;
          break;
        } catch (err) {
          refused.push((err as Error).message.split("\n").find((l) => l.includes("failed to start")) ?? (err as Error).message);
          if (refused.length > 5) throw err;
        }
      }
      restartMs.push(Date.now() - killed);
      log(`round ${round}: serving again ${restartMs[restartMs.length - 1]} ms after the kill`);
    }
    // a few more writes on the last restart, then stop the stream
    await stream.until(stream.acked() + o.writers * 2);
    await stream.stop();
    const unanswered = stream.writes.filter((w) => w.answers.every((a) => a.status === 0)).length;
    const writes = await checkWrites(server.url, token, tenantId, stream.writes);
    return { database: o.database, rounds: o.rounds, unanswered, restartMs, refused, writes };
  } finally {
    if (server) await stopServer(server);
    cluster?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
