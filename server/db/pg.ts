import { createHash } from "node:crypto";
import pg from "pg";
import type { Db, NotifyHandlers, Queryable } from "./db";
import { DatabaseUnavailableError, MAX_PREPARED, MAX_TRANSACTION_ATTEMPTS, preparable, RETRYABLE_SQLSTATES, sqlState } from "./db";

// Return int8 and numeric as JS numbers: counts and sequences here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  /** How long to wait for a connection, new or from the pool, in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** The longest a statement may run, in ms: PostgreSQL's statement_timeout, and here 2 s later (default 30,000). */
  statementTimeoutMs?: number;
}

/**
 * Parameterised statements run as named prepared statements, so each pooled connection parses
 * and plans a statement once rather than on every call (about half of PostgreSQL's CPU time per
 * point query here; see bench/connections.ts). The name is a hash of the text, so a name always
 * means one text. Which statements are prepared: see `preparable` (db.ts).
 */
const preparedNames = new Map<string, string | null>();

function statement(sql: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params || params.length === 0) return { text: sql };
  let name = preparedNames.get(sql);
  if (name === undefined) {
    name = preparedNames.size < MAX_PREPARED && preparable(sql) ? `sy_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}` : null;
    preparedNames.set(sql, name);
  }
  return name ? { text: sql, values: params as unknown[], name } : { text: sql, values: params as unknown[] };
}

/** A connection checked out of the pool, which knows whether it was lost while out. */
interface Session extends Queryable {
  lost(): boolean;
  release(): void;
}

/**
 * Every failure to reach PostgreSQL becomes a DatabaseUnavailableError (503 to the client), by
 * where it happened rather than by its text: a failed or timed-out `pool.connect()`, an `error`
 * event on the connection while a statement ran, or no answer within the deadline. Errors that
 * PostgreSQL reports keep their SQLSTATE.
 */
export function createPgDb(options: PgDbOptions): Db {
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "switchyard",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // A peer that vanished without closing the socket is noticed by TCP keepalive.
    keepAlive: true,
    // No JIT: the planner cannot size recursive walks (folder trees) and overestimates them
    // enough to JIT-compile millisecond queries, which then take a second.
    options: `-c jit=off -c statement_timeout=${statementTimeoutMs}`,
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  // A server that accepts but never answers (stopped, or a half-open connection) is bounded here.
  const deadlineMs = statementTimeoutMs + 2_000;

  async function checkout(): Promise<Session> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new DatabaseUnavailableError("cannot connect to PostgreSQL", { cause: err });
    }
    let lost: Error | undefined;
    // Checked out, a client has no error listener of the pool's: one is needed, or a connection
    // cut during a statement would be an unhandled 'error' event and end the process.
    const onError = (err: Error) => {
      lost ??= err;
    };
    client.on("error", onError);
    const session: Session = {
      lost: () => lost !== undefined,
      async query(sql, params) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            lost ??= new DatabaseUnavailableError(`PostgreSQL did not answer within ${deadlineMs} ms`);
            reject(lost);
          }, deadlineMs);
        });
        try {
          const res = await Promise.race([client.query(statement(sql, params)), deadline]);
          return { rows: res.rows, rowCount: res.rowCount ?? 0 };
        } catch (err) {
          if (lost && !(err instanceof DatabaseUnavailableError)) throw new DatabaseUnavailableError("the connection to PostgreSQL was lost", { cause: err });
          throw err;
        } finally {
          clearTimeout(timer);
        }
      },
      async execScript(sql) {
        await session.query(sql);
      },
      release() {
        client.removeListener("error", onError);
        // A lost connection is destroyed, not returned to the pool.
        client.release(lost);
      },
    };
    return session;
  }

  async function once<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const s = await checkout();
    try {
      return await fn(s);
    } finally {
      s.release();
    }
  }

  return {
    kind: "postgres",
    query: (sql, params) => once((s) => s.query(sql, params)),
    execScript: (sql) => once((s) => s.execScript(sql)),
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const s = await checkout();
        const tx: Queryable = { query: (sql, params) => s.query(sql, params), execScript: (sql) => s.execScript(sql) };
        try {
          await s.query("BEGIN");
          const result = await fn(tx);
          await s.query("COMMIT");
          s.release();
          return result;
        } catch (err) {
          if (!s.lost()) await s.query("ROLLBACK").catch(() => undefined);
          s.release();
          const state = sqlState(err);
          if (state && RETRYABLE_SQLSTATES.has(state) && attempt < MAX_TRANSACTION_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
            continue;
          }
          throw err;
        }
      }
    },
    listen: (channel, handlers) => listenOn(options, channel, handlers),
    async close() {
      await pool.end();
    },
  };
}

/** How long a lost listening connection waits before it connects again, ms. */
const RELISTEN_DELAY_MS = 1_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other work). When that
 * connection is lost, `live(false)` at once, then it connects again every second until it is
 * back, then `live(true)`: notifications sent in between are lost, which is why callers are told.
 */
async function listenOn(options: PgDbOptions, channel: string, handlers: NotifyHandlers): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    timer = undefined;
    if (stopped) return;
    const c = new pg.Client({ connectionString: options.connectionString, application_name: `${options.applicationName ?? "switchyard"} (listen)`, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000, keepAlive: true });
    client = c;
    let down = false;
    const lost = () => {
      if (down) return;
      down = true;
      handlers.live(false);
      c.end().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void connect(), RELISTEN_DELAY_MS);
    };
    c.on("error", lost);
    c.on("end", lost);
    c.on("notification", (msg) => {
      if (msg.channel === channel) handlers.notify(msg.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      if (!down && !stopped) handlers.live(true);
    } catch {
      lost();
    }
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    handlers.live(false);
    await client?.end().catch(() => undefined);
  };
}
