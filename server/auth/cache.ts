import type { Principal } from "./principal";

declare module "fastify" {
  interface FastifyInstance {
    /** The app's cache of authenticated tokens (for tests and operators' tools). */
    principalCache: PrincipalCache;
  }
}

/**
 * Principals by token hash, so that a request with a known token skips its lookup (one round
 * trip of the two a GET of one object costs). Only tokens that authenticated are kept; an unknown,
 * revoked or expired token always goes to the database, so the cache tells nothing to a guesser.
 *
 * Staying correct when a token is revoked or a role changes, on every replica:
 * - Every change to `tokens`, `users` or `memberships` (cascades included) fires `NOTIFY
 *   switchyard_auth` from a trigger (migration 005); each replica LISTENs and empties its cache
 *   when it arrives, so another replica refuses a revoked token about one network hop after the
 *   revoking transaction commits. The replica that made the change also empties its cache itself
 *   right after its commit (`invalidate`), so its next request never sees the old state.
 * - While the listening connection is down (or not yet up), the cache is off: a lost notification
 *   cannot leave a stale entry behind.
 * - A lookup that began before a change and ends after its notification is not stored (the
 *   generation moved), so it cannot re-insert the old state after the cache was emptied.
 * - Entries live at most `ttlMs` (default 5 s) whatever happens: the bound if the listening
 *   connection died without the client noticing yet (keepalive takes longer than that). And never
 *   beyond the token's own `expiresAt`.
 */
/** The channel migration 005 notifies on every change to tokens, users and memberships. */
export const AUTH_CHANNEL = "switchyard_auth";

export interface PrincipalCache {
  /** Longest an entry is used, ms (0: the cache is off). */
  readonly ttlMs: number;
  get(hash: string): Principal | undefined;
  /** Begins a lookup: returns the generation to hand to `set`. */
  begin(): number;
  set(hash: string, principal: Principal, expiresAt: Date | null, generation: number): void;
  /** Empties the cache (a change to tokens, users or memberships committed, here or elsewhere). */
  invalidate(): void;
  /** Whether change notifications arrive (the cache is off while they do not). */
  setLive(live: boolean): void;
  readonly size: number;
}

export interface PrincipalCacheOptions {
  /** Longest an entry is used, ms; 0 turns the cache off. */
  ttlMs: number;
  /** Most entries kept; the oldest goes first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  principal: Principal;
  /** Used until then (ms since the epoch): the earlier of the TTL and the token's expiry. */
  until: number;
}

export function createPrincipalCache(opts: PrincipalCacheOptions): PrincipalCache {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  let generation = 0;
  let live = false;

  return {
    ttlMs: opts.ttlMs,
    get(hash) {
      if (!live) return undefined;
      const e = entries.get(hash);
      if (!e) return undefined;
      if (e.until <= now()) {
        entries.delete(hash);
        return undefined;
      }
      return e.principal;
    },
    begin: () => generation,
    set(hash, principal, expiresAt, gen) {
      if (!live || opts.ttlMs <= 0 || gen !== generation) return;
      const until = Math.min(now() + opts.ttlMs, expiresAt ? new Date(expiresAt).getTime() : Number.POSITIVE_INFINITY);
      if (entries.size >= maxEntries && !entries.has(hash)) entries.delete(entries.keys().next().value as string);
      entries.set(hash, { principal, until });
    },
    invalidate() {
      generation++;
      entries.clear();
    },
    setLive(value) {
      generation++;
      entries.clear();
      live = value;
    },
    get size() {
      return entries.size;
    },
  };
}
