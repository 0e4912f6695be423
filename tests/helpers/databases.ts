import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { Db } from "../../server/db/db";
import { loadMigrations, migrate } from "../../server/db/migrate";
import { createPgDb } from "../../server/db/pg";
import { createPgliteDb } from "../../server/db/pglite";

/**
 * Every API test runs against both databases the service supports: the embedded PGlite and a
 * PostgreSQL server (DATABASE_URL, else the machine's 127.0.0.1:5432). Each test file gets its own
 * fresh database, made from a migrated template so that start-up stays fast.
 */
export type DbKind = "pglite" | "postgres";

export const ADMIN_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

let pgReachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

/** Which databases to run on; in CI an unreachable PostgreSQL is a failure, not a skip. */
export async function databaseKinds(): Promise<DbKind[]> {
  const only = process.env.SWITCHYARD_TEST_DB;
  if (only === "pglite") return ["pglite"];
  if (await postgresReachable()) return only === "postgres" ? ["postgres"] : ["pglite", "postgres"];
  if (process.env.CI || only === "postgres") {
    throw new Error(`PostgreSQL is not reachable at ${redactUrl(ADMIN_URL)}; start it (see README) or set DATABASE_URL`);
  }
  return ["pglite"];
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

const migrationsHash = createHash("sha256")
  .update(loadMigrations().map((m) => m.sql).join("\n"))
  .digest("hex")
  .slice(0, 12);

let pgliteTemplate: Promise<Blob> | undefined;
async function pgliteFromTemplate(): Promise<Db> {
  pgliteTemplate ??= (async () => {
    const db = await createPgliteDb(undefined);
    await migrate(db);
    const dump = await db.pglite.dumpDataDir("none");
    await db.close();
    return dump;
  })();
  return createPgliteDb(undefined, await pgliteTemplate);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let postgresTemplate: Promise<string> | undefined;
async function ensurePostgresTemplate(): Promise<string> {
  postgresTemplate ??= (async () => {
    const name = `sy_template_${migrationsHash}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_${randomBytes(3).toString("hex")}`;
        await admin.query(`CREATE DATABASE ${building}`);
        const db = createPgDb({ connectionString: withDatabase(ADMIN_URL, building), max: 2 });
        await migrate(db);
        await db.close();
        try {
          await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
        } catch {
          await admin.query(`DROP DATABASE IF EXISTS ${building}`);
        }
      }
    } finally {
      await admin.end();
    }
    return name;
  })();
  return postgresTemplate;
}

export interface TestDatabase {
  kind: DbKind;
  db: Db;
  /** For tests that start more replicas on the same database (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

export async function freshDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await pgliteFromTemplate();
    return { kind, db, drop: () => db.close() };
  }
  const template = await ensurePostgresTemplate();
  const name = `sy_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(ADMIN_URL, name);
  const db = createPgDb({ connectionString: url, max: 10 });
  return {
    kind,
    db,
    url,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
