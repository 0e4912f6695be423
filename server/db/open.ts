import { join } from "node:path";
import type { Config } from "../config";
import type { Db } from "./db";
import { lockDataDir } from "./data-dir-lock";
import { startMaintenance } from "./maintenance";
import { createPgDb } from "./pg";
import { createPgliteDb } from "./pglite";

export { lockDataDir } from "./data-dir-lock";

/**
 * The configured database: PostgreSQL when DATABASE_URL is set, else PGlite in the data folder
 * (locked to this process, and vacuumed by maintenance.ts). `close` ends both and the lock.
 */
export async function openDatabase(config: Config, log: (line: string) => void = console.warn): Promise<{ db: Db; close: () => Promise<void> }> {
  if (config.databaseUrl) {
    const db = createPgDb({ connectionString: config.databaseUrl, max: config.dbPoolSize, connectTimeoutMs: config.dbConnectTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs });
    return { db, close: () => db.close() };
  }
  const release = await lockDataDir(config.dataDir);
  try {
    const db = await createPgliteDb(join(config.dataDir, "pgdata"));
    const maintenance = startMaintenance(db, db.written, { intervalMs: config.maintenanceIntervalMs, writes: config.maintenanceWrites, log });
    return {
      db,
      async close() {
        try {
          await maintenance.stop();
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
