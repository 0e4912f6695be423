import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config";
import type { Db } from "./db";
import { createPgDb } from "./pg";
import { createPgliteDb } from "./pglite";

/**
 * PGlite keeps its files in a folder that only one process may open: a second one would corrupt
 * it. A lock file holding the owner's pid guards the folder; a stale one (dead pid) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "switchyard.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, "utf8") === String(process.pid)) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by another Switchyard process (pid ${pid}). Stop that process, or give this one its own SWITCHYARD_DATA_DIR, or point both at a PostgreSQL server with DATABASE_URL.`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new Error(`could not lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The configured database: PostgreSQL when DATABASE_URL is set, else PGlite in the data folder. */
export async function openDatabase(config: Config): Promise<{ db: Db; release: () => void }> {
  if (config.databaseUrl) {
    return { db: createPgDb({ connectionString: config.databaseUrl, max: config.dbPoolSize }), release: () => undefined };
  }
  const release = lockDataDir(config.dataDir);
  try {
    const db = await createPgliteDb(join(config.dataDir, "pgdata"));
    return { db, release };
  } catch (err) {
    release();
    throw err;
  }
}
