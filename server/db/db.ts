/**
 * The one database interface the service uses. Two drivers implement it: a `pg` pool for a
 * PostgreSQL server and an in-process PGlite for the embedded default. Store functions take a
 * `Queryable` — the transaction they run in — never the pool itself.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs a script of several statements without parameters (migrations). */
  execScript(sql: string): Promise<void>;
}

export type DbKind = "postgres" | "pglite";

export interface Db extends Queryable {
  readonly kind: DbKind;
  /**
   * Runs `fn` in one transaction and commits it, or rolls back when it throws. Serialization
   * failures and deadlocks are retried a few times, so callers see them only when they persist.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Delivers every NOTIFY on `channel` (from any process on the same database) to `notify`, and
   * tells `live` whether delivery works: true once listening, false when the listening connection
   * is lost (it reconnects by itself). Resolves to a function that stops listening. Optional: a
   * database without it gives no notifications, and whatever relies on them stays off.
   */
  listen?(channel: string, handlers: NotifyHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface NotifyHandlers {
  notify(payload: string): void;
  live(live: boolean): void;
}

/**
 * Both drivers run parameterised statements as named prepared statements (parsed and planned once
 * per connection). Left unnamed: statements whose result columns come from `*`, as a prepared `*`
 * would fail ("cached plan must not change result type") after a migration adds a column while
 * the process runs. The service's SQL is a fixed set of strings; MAX_PREPARED only guards against
 * a future caller building SQL from data.
 */
export const MAX_PREPARED = 1000;
/** A `*` other than in `count(*)`: `SELECT *`, `t.*`, `RETURNING *`. */
const STAR_COLUMNS = /(?<!\(\s*)\*/;
export const preparable = (sql: string) => !STAR_COLUMNS.test(sql);

/** SQLSTATEs that mean "run it again": serialization_failure, deadlock_detected. */
export const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);
export const MAX_TRANSACTION_ATTEMPTS = 5;

/** The SQLSTATE of an error PostgreSQL reported; a Node system error (`EPIPE`, `errno` set) is none. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown } | null;
  const code = e?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && typeof e?.errno !== "number" ? code : undefined;
}

/**
 * The database cannot be reached or did not answer in time: no connection could be made, the
 * connection was lost, or a statement outlived its timeout. The request did not happen (or, for a
 * lost COMMIT, its outcome is unknown: a client retries with the same Idempotency-Key).
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** Node system errors of a connection that cannot be made or was cut. */
const UNREACHABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/**
 * SQLSTATEs of a server that is going away or cannot take the request now: admin_shutdown,
 * crash_shutdown, cannot_connect_now (starting or stopping), too_many_connections, and
 * query_canceled (what statement_timeout raises). Class 08, connection exceptions, too.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);

/** Whether an error means "the database is unavailable now; try again later", by its code. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const state = sqlState(err);
  if (state) return UNAVAILABLE_SQLSTATES.has(state) || state.startsWith("08");
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNREACHABLE_ERRNOS.has(code);
}
