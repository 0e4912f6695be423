import type { Queryable } from "../db/db";
import { UnprocessableError } from "../errors";
import type { RequestContext } from "./context";

/**
 * Runs a create at most once per `Idempotency-Key` (SPEC §7.2). The key's row is inserted in the
 * create's own transaction: a concurrent request with the same key waits on the unique index
 * until the first commits, then finds and replays its response; a rolled-back create leaves no key.
 */
export interface IdempotencyOptions<T> {
  /** What to keep of the first response (default: all of it); it must hold no secret. */
  keep?: (result: T) => unknown;
  /** How to answer a replay from what was kept (default: the kept response itself). */
  replay?: (kept: unknown) => T;
}

export async function idempotent<T>(tx: Queryable, ctx: RequestContext, create: () => Promise<T>, opts: IdempotencyOptions<T> = {}): Promise<T> {
  const k = ctx.idempotency;
  if (!k) return create();
  const principal = ctx.principal.userId ?? ctx.principal.tokenId;
  const inserted = await tx.query(
    `INSERT INTO idempotency_keys (principal_id, key, method, path, body_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (principal_id, key) DO NOTHING RETURNING key`,
    [principal, k.key, k.method, k.path, k.bodyHash],
  );
  if (inserted.rowCount === 1) {
    const result = await create();
    await tx.query("UPDATE idempotency_keys SET status = 201, response = $3 WHERE principal_id = $1 AND key = $2", [principal, k.key, JSON.stringify(opts.keep ? opts.keep(result) : result)]);
    return result;
  }
  const { rows } = await tx.query<{ method: string; path: string; body_hash: string; response: unknown }>(
    "SELECT method, path, body_hash, response FROM idempotency_keys WHERE principal_id = $1 AND key = $2",
    [principal, k.key],
  );
  const first = rows[0];
  if (first.method !== k.method || first.path !== k.path || first.body_hash !== k.bodyHash) {
    throw new UnprocessableError(
      "idempotency_key_reused",
      `Idempotency-Key "${k.key}" was already used for a different request (${first.method} ${first.path}); use a new key for a new request`,
    );
  }
  ctx.replayed = true;
  return opts.replay ? opts.replay(first.response) : (first.response as T);
}
