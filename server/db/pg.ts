import pg from "pg";
import type { Db, Queryable } from "./db";
import { MAX_TRANSACTION_ATTEMPTS, RETRYABLE_SQLSTATES, sqlState } from "./db";

// Return int8 and numeric as JS numbers: counts and sequences here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

export function createPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "switchyard",
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);

  const query: Queryable["query"] = async (sql, params) => {
    const res = await pool.query(sql, params as unknown[]);
    return { rows: res.rows, rowCount: res.rowCount ?? 0 };
  };

  return {
    kind: "postgres",
    query,
    async execScript(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        const tx: Queryable = {
          query: async (sql, params) => {
            const res = await client.query(sql, params as unknown[]);
            return { rows: res.rows, rowCount: res.rowCount ?? 0 };
          },
          execScript: async (sql) => {
            await client.query(sql);
          },
        };
        try {
          await client.query("BEGIN");
          const result = await fn(tx);
          await client.query("COMMIT");
          client.release();
          return result;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          client.release();
          const state = sqlState(err);
          if (state && RETRYABLE_SQLSTATES.has(state) && attempt < MAX_TRANSACTION_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
            continue;
          }
          throw err;
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
