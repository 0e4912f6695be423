import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildApp } from "../../server/app";
import { createAuthService } from "../../server/auth/service";
import { startMaintenance, type Maintenance } from "../../server/db/maintenance";
import { migrate } from "../../server/db/migrate";
import { createPgliteDb } from "../../server/db/pglite";
import { createScopeService } from "../../server/scopes/service";
import { createSecretBox } from "../../server/secrets";

/**
 * Create/delete churn on the embedded database, for the maintenance test (short) and
 * bench/churn.ts (long): each round creates `batch` connections through the API and deletes them.
 */
export interface Churn {
  round(): Promise<void>;
  /** Bytes of the churned table with its indexes and TOAST, and of the whole data folder. */
  sizes(): Promise<{ table: number; folder: number }>;
  maintenance?: Maintenance;
  close(): Promise<void>;
}

export function folderBytes(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    sum += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return sum;
}

export async function startChurn(dataDir: string, opts: { batch: number; maintenance: { writes: number; intervalMs: number } | false }): Promise<Churn> {
  const db = await createPgliteDb(dataDir);
  await migrate(db);
  const token = `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
  await createAuthService(db, createScopeService(db)).bootstrap(token);
  const app: FastifyInstance = await buildApp({ db, box: createSecretBox(randomBytes(32)), rateLimit: 1_000_000_000, logger: false });
  const maintenance = opts.maintenance ? startMaintenance(db, db.written, { ...opts.maintenance, checkMs: 100 }) : undefined;
  const call = async (method: "POST" | "DELETE", url: string, body?: unknown) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: body as object | undefined });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const tenant = await call("POST", "/v1/tenants", { handle: "churn" });
  let n = 0;
  return {
    maintenance,
    async round() {
      const made: { id: string; handle: string }[] = [];
      for (let i = 0; i < opts.batch; i++) made.push(await call("POST", `/v1/tenants/${tenant.id}/connections`, { plugin: "custom", handle: `churn_${++n}`, config: { note: "x".repeat(500) } }));
      for (const c of made) await call("DELETE", `/v1/connections/${c.id}?confirm=${c.handle}`);
    },
    async sizes() {
      // CHECKPOINT writes the pages out, so the folder shows what the tables hold
      await db.execScript("CHECKPOINT");
      const { rows } = await db.query<{ bytes: number }>("SELECT pg_total_relation_size('connections')::int AS bytes");
      return { table: rows[0].bytes, folder: folderBytes(dataDir) };
    },
    async close() {
      await maintenance?.stop();
      await app.close();
      await db.close();
    },
  };
}
