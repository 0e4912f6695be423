import { newId } from "../../contract/ids";
import type { Db, Queryable } from "../db/db";
import { insertAudit } from "../audit/store";
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../errors";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import type { ScopeService } from "../scopes/service";
import type { PrincipalCache } from "./cache";
import { atLeast, roleAt, type Principal, type Role } from "./principal";
import * as store from "./store";
import { generateToken, hashToken, tokenPrefix } from "./tokens";

export type AuthService = ReturnType<typeof createAuthService>;

/**
 * A token's secret is shown once and stored only as a hash, so an idempotent token create keeps
 * its answer without the secret, and a replay cannot show the secret again: it answers 409 naming
 * the token that the first request created.
 */
const tokenReplay = {
  keep: ({ token: _secret, ...shown }: { token: string; id: string }) => shown,
  replay(kept: unknown): never {
    const id = (kept as { id: string }).id;
    throw new ConflictError(`this Idempotency-Key already created token ${id}; its secret was shown only once: revoke it and create a new token`, { tokenId: id });
  },
};

/**
 * `principals` caches authenticated tokens (server/auth/cache.ts); every change here to tokens,
 * users or memberships empties it once committed, and the database's notifications empty the
 * caches of other replicas. Without one, every request looks its token up.
 */
export function createAuthService(db: Db, scopes: ScopeService, principals?: PrincipalCache) {
  /** Runs a transaction that changes tokens, users or memberships; empties the cache once it committed (or failed: a lost COMMIT may have committed). */
  async function changingAuth<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(fn);
    } finally {
      principals?.invalidate();
    }
  }

  const audit = (tx: Queryable, ctx: RequestContext, action: string, targetType: string, targetId: string, scope: { tenantId: string; path: string[] } | null, after?: unknown, before?: unknown) =>
    insertAudit(tx, { tenantId: scope?.tenantId ?? null, scopePath: scope?.path ?? [], actorId: ctx.principal.actorId, action, targetType, targetId, before, after, requestId: ctx.requestId });

  async function issueToken(tx: Queryable, t: { name: string; userId: string | null; scopeId: string | null; role: Role | null; expiresAt: string | null; actorId: string | null; token?: string }) {
    const token = t.token ?? generateToken();
    const row = await store.insertToken(tx, { id: newId("token"), prefix: tokenPrefix(token), hash: hashToken(token), ...t });
    return { ...row, token };
  }

  return {
    /**
     * Resolves a bearer token to a principal, or answers 401. Every token of a plausible length
     * takes the same path, hash then look up by hash, so an unknown token and a known prefix with a
     * wrong secret cannot be told apart, by answer or by timing.
     */
    async authenticate(token: string): Promise<Principal> {
      if (token.length < 16 || token.length > 512) throw new UnauthorizedError();
      const hash = hashToken(token);
      const cached = principals?.get(hash);
      if (cached) return cached;
      const generation = principals?.begin() ?? 0;
      const row = await store.findTokenByHash(db, tokenPrefix(token), hash);
      if (!row) throw new UnauthorizedError();
      if (row.revoked_at) throw new UnauthorizedError("this token was revoked; create a new one");
      if (row.expires_at && new Date(row.expires_at).getTime() <= Date.now()) throw new UnauthorizedError("this token has expired; create a new one");
      const roles = new Map<string, Role>();
      if (row.scope_id && row.role) roles.set(row.scope_id, row.role);
      for (const m of row.memberships) roles.set(m.s, m.r);
      const principal: Principal = { tokenId: row.id, actorId: row.user_id ?? row.id, userId: row.user_id ?? undefined, isAdmin: row.is_admin === true, roles };
      principals?.set(hash, principal, row.expires_at, generation);
      return principal;
    },

    /**
     * On an empty database, creates the platform administrator and its token: the configured one,
     * or a new one returned so the caller can print it once. Safe when replicas start together.
     */
    async bootstrap(configuredToken?: string): Promise<{ created: boolean; token?: string }> {
      return db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchyard.bootstrap'))");
        if ((await store.countAdmins(tx)) > 0) return { created: false };
        const admin = await store.insertUser(tx, { id: newId("user"), handle: "admin", title: "Platform administrator", isAdmin: true, actorId: null });
        const issued = await issueToken(tx, { name: "bootstrap", userId: admin.id, scopeId: null, role: null, expiresAt: null, actorId: null, token: configuredToken });
        await insertAudit(tx, { tenantId: null, scopePath: [], actorId: admin.id, action: "platform.bootstrap", targetType: "user", targetId: admin.id });
        return { created: true, token: issued.token };
      });
    },

    me(ctx: RequestContext) {
      const p = ctx.principal;
      return { tokenId: p.tokenId, userId: p.userId ?? null, isAdmin: p.isAdmin, roles: [...p.roles].map(([scopeId, role]) => ({ scopeId, role })) };
    },

    async createUser(ctx: RequestContext, input: { handle: string; title?: string }) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const p = ctx.principal;
          const allowed = p.isAdmin || (p.userId !== undefined && (await store.isOwnerSomewhere(tx, p.userId))) || [...p.roles.values()].includes("owner");
          if (!allowed) throw new ForbiddenError("creating users needs the owner role on some scope");
          if (await store.findUserByHandle(tx, input.handle)) throw new ConflictError(`a user with handle "${input.handle}" already exists`, { field: "handle" });
          const user = await store.insertUser(tx, { id: newId("user"), handle: input.handle, title: input.title ?? input.handle, isAdmin: false, actorId: p.actorId });
          await audit(tx, ctx, "user.create", "user", user.id, null, user);
          return user;
        }),
      );
    },

    async createToken(ctx: RequestContext, input: { userId?: string; scopeId?: string; role?: Role; name: string; expiresAt?: string }) {
      if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) {
        throw new ValidationError("expiresAt must be in the future", [{ field: "body.expiresAt", message: "in the past" }]);
      }
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const p = ctx.principal;
          if (input.userId) {
            if (input.userId !== p.userId && !p.isAdmin) {
              // Another user's token: only administrators; answer 404 so user ids are not probed.
              throw new NotFoundError("user");
            }
            if (!(await store.findUser(tx, input.userId))) throw new NotFoundError("user");
            const issued = await issueToken(tx, { name: input.name, userId: input.userId, scopeId: null, role: null, expiresAt: input.expiresAt ?? null, actorId: p.actorId });
            const { token: _secret, ...shown } = issued;
            await audit(tx, ctx, "token.create", "token", issued.id, null, shown);
            return issued;
          }
          const scope = await scopes.visible(tx, ctx, input.scopeId as string, "owner");
          const issued = await issueToken(tx, { name: input.name, userId: null, scopeId: scope.id, role: input.role as Role, expiresAt: input.expiresAt ?? null, actorId: p.actorId });
          const { token: _secret, ...shown } = issued;
          await audit(tx, ctx, "token.create", "token", issued.id, scope, shown);
          return issued;
        }, tokenReplay),
      );
    },

    async revokeToken(ctx: RequestContext, id: string) {
      return changingAuth(async (tx) => {
        const t = await store.findToken(tx, id, true);
        if (!t) throw new NotFoundError("token");
        const p = ctx.principal;
        let scope = null;
        if (t.scopeId) {
          scope = (await scopes.get(tx, t.scopeId)) ?? null;
          const role = scope ? roleAt(p, scope.path) : undefined;
          if (!role) throw new NotFoundError("token");
          if (!atLeast(role, "owner") && t.id !== p.tokenId) throw new ForbiddenError("revoking a service token needs the owner role on its scope");
        } else if (t.userId !== p.userId && !p.isAdmin) {
          throw new NotFoundError("token");
        }
        const revoked = await store.revokeToken(tx, id);
        await audit(tx, ctx, "token.revoke", "token", id, scope, revoked, t);
      });
    },

    async listMembers(ctx: RequestContext, scopeId: string, limit: number, after?: string) {
      await scopes.visible(db, ctx, scopeId, "viewer");
      return store.listMembers(db, scopeId, limit, after);
    },

    async getMember(ctx: RequestContext, scopeId: string, userId: string) {
      await scopes.visible(db, ctx, scopeId, "viewer");
      const member = await store.findMember(db, scopeId, userId, false);
      if (!member) throw new NotFoundError("member");
      return member;
    },

    async putMember(ctx: RequestContext, scopeId: string, userId: string, role: Role) {
      return changingAuth(async (tx) => {
        const scope = await scopes.visible(tx, ctx, scopeId, "owner", true);
        if (!(await store.findUser(tx, userId))) throw new NotFoundError("user");
        const before = await store.findMember(tx, scopeId, userId);
        if (ctx.ifMatch !== undefined) checkVersion("this membership", before?.version ?? 0, ctx.ifMatch);
        const member = await store.upsertMember(tx, scopeId, userId, role);
        await audit(tx, ctx, "member.put", "membership", `${scopeId}/${userId}`, scope, member, before);
        return member;
      });
    },

    async deleteMember(ctx: RequestContext, scopeId: string, userId: string) {
      return changingAuth(async (tx) => {
        const scope = await scopes.visible(tx, ctx, scopeId, "owner", true);
        const before = await store.findMember(tx, scopeId, userId);
        if (!before) throw new NotFoundError("member");
        checkVersion("this membership", before.version, ctx.ifMatch);
        await store.deleteMember(tx, scopeId, userId);
        await audit(tx, ctx, "member.delete", "membership", `${scopeId}/${userId}`, scope, undefined, before);
      });
    },
  };
}
