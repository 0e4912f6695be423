import { createHash } from "node:crypto";
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

/**
 * Parameterised statements run as named prepared statements, so each pooled connection parses
 * and plans a statement once rather than on every call (about half of PostgreSQL's CPU time per
 * point query here; see bench/connections.ts). The name is a hash of the text, so a name always
 * means one text. Left unnamed: statements without parameters (BEGIN, scripts) and statements
 * whose result columns come from `*`, as a prepared `*` would fail ("cached plan must not change
 * result type") after a migration adds a column while this process runs. The service's SQL is a
 * fixed set of strings; the cap only guards against a future caller building SQL from data.
 */
const MAX_PREPARED = 1000;
const preparedNames = new Map<string, string | null>();
/** A `*` other than in `count(*)`: `SELECT *`, `t.*`, `RETURNING *`. */
const STAR_COLUMNS = /(?<!\(\s*)\*/;

function statement(sql: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params || params.length === 0) return { text: sql };
  let name = preparedNames.get(sql);
  if (name === undefined) {
    name = preparedNames.size < MAX_PREPARED && !STAR_COLUMNS.test(sql) ? `sy_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}` : null;
    preparedNames.set(sql, name);
  }
  return name ? { text: sql, values: params as unknown[], name } : { text: sql, values: params as unknown[] };
}

export function createPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "switchyard",
    connectionTimeoutMillis: 10_000,
    // No JIT: the planner cannot size recursive walks (folder trees) and overestimates them
    // enough to JIT-compile millisecond queries, which then take a second.
    options: "-c jit=off",
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);

  const query: Queryable["query"] = async (sql, params) => {
    const res = await pool.query(statement(sql, params));
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
            const res = await client.query(statement(sql, params));
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
