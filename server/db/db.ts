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
  close(): Promise<void>;
}

/** SQLSTATEs that mean "run it again": serialization_failure, deadlock_detected. */
export const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);
export const MAX_TRANSACTION_ATTEMPTS = 5;

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.length === 5 ? code : undefined;
}
