import { writeFileSync } from "node:fs";
import { buildApp } from "../../server/app";
import { createPgDb } from "../../server/db/pg";
import { createSecretBox } from "../../server/secrets";
import { serving, spawnServer, stopServer } from "./server-process";

/**
 * Replicas of the service on one PostgreSQL, for tests/server/replicas.test.ts: in this process
 * (each its own pool, driven through app.inject()), or, for `npm run proof:replicas`, as real
 * server processes (server/main.ts) driven over HTTP on 127.0.0.1. Every answer is tallied per
 * replica (count, statuses, time), and written as JSON to SWITCHYARD_REPLICA_REPORT when set.
 */
export interface InjectRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}
export interface InjectResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}
export interface Replica {
  inject(req: InjectRequest): Promise<InjectResponse>;
  close(): Promise<void>;
}

export interface ReplicaTally {
  replica: number;
  requests: number;
  byStatus: Record<string, number>;
  /** Sum of the answers' times, ms. */
  totalMs: number;
  maxMs: number;
}

export function tallied(replicas: Replica[]): { replicas: Replica[]; tallies: ReplicaTally[]; write(extra: object): void } {
  const tallies = replicas.map((_, i) => ({ replica: i, requests: 0, byStatus: {} as Record<string, number>, totalMs: 0, maxMs: 0 }));
  return {
    tallies,
    replicas: replicas.map((r, i) => ({
      close: () => r.close(),
      async inject(req) {
        const t = performance.now();
        let res: InjectResponse;
        try {
          res = await r.inject(req);
        } catch (err) {
          tallies[i].byStatus["no answer"] = (tallies[i].byStatus["no answer"] ?? 0) + 1;
          throw err;
        }
        const ms = performance.now() - t;
        const k = tallies[i];
        k.requests++;
        k.byStatus[res.statusCode] = (k.byStatus[res.statusCode] ?? 0) + 1;
        k.totalMs += ms;
        k.maxMs = Math.max(k.maxMs, ms);
        return res;
      },
    })),
    write(extra) {
      if (process.env.SWITCHYARD_REPLICA_REPORT) writeFileSync(process.env.SWITCHYARD_REPLICA_REPORT, JSON.stringify({ ...extra, tallies }, null, 2));
    },
  };
}

export async function inProcessReplicas(url: string, count: number, key: Buffer): Promise<Replica[]> {
  const out: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const pool = createPgDb({ connectionString: url, max: 8, applicationName: `switchyard-replica-${i}` });
    const app = await buildApp({ db: pool, box: createSecretBox(key), rateLimit: 1_000_000, logger: process.env.SWITCHYARD_REPLICA_LOG ? { level: "error" } : false });
    out.push({
      inject: async (req) => {
        const r = await app.inject({ method: req.method as never, url: req.url, headers: req.headers, payload: req.payload });
        return { statusCode: r.statusCode, body: r.body, headers: r.headers };
      },
      async close() {
        await app.close();
        await pool.close();
      },
    });
  }
  return out;
}

/** Real server processes, started one after another (the administrator already bootstrapped). */
export async function processReplicas(url: string, count: number, key: Buffer, adminToken: string): Promise<Replica[]> {
  const out: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const s = await spawnServer({
      DATABASE_URL: url,
      SWITCHYARD_SECRET_KEY: key.toString("base64"),
      SWITCHYARD_BOOTSTRAP_TOKEN: adminToken,
      SWITCHYARD_RATE_LIMIT: "100000000",
      SWITCHYARD_DB_POOL: "8",
      SWITCHYARD_LOG_LEVEL: process.env.SWITCHYARD_REPLICA_LOG ? "error" : "fatal",
    });
    await serving(s);
    out.push({
      async inject(req) {
        const res = await fetch(`${s.url}${req.url}`, { method: req.method, headers: req.headers, body: req.payload, signal: AbortSignal.timeout(60_000) });
        return { statusCode: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
      },
      close: async () => void (await stopServer(s)),
    });
  }
  return out;
}
