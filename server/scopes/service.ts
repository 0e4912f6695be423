import { newId, type ScopeKind } from "../../contract/ids";
import type { Db, Queryable } from "../db/db";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors";
import { insertAudit } from "../audit/store";
import { requireRole, roleAt, type Role } from "../auth/principal";
import { checkVersion, type RequestContext } from "../http/context";
import { idempotent } from "../http/idempotency";
import * as store from "./store";
import type { Scope } from "./store";

export type ScopeService = ReturnType<typeof createScopeService>;

const CHILD_KIND: Record<ScopeKind, ScopeKind | undefined> = { tenant: "org", org: "workspace", workspace: undefined };
export const KIND_NAME: Record<ScopeKind, string> = { tenant: "tenant", org: "organization", workspace: "workspace" };

/** Public shape of a scope (the path is internal). */
export function presentScope(s: Scope) {
  const { path: _path, ...rest } = s;
  return rest;
}

export function auditScope(tx: Queryable, ctx: RequestContext, action: string, scope: Scope, before?: unknown, after?: unknown) {
  return insertAudit(tx, {
    tenantId: scope.tenantId,
    scopePath: scope.path,
    actorId: ctx.principal.actorId,
    action,
    targetType: scope.kind,
    targetId: scope.id,
    before,
    after,
    requestId: ctx.requestId,
  });
}

export function createScopeService(db: Db, hooks: { authChanged?: () => void } = {}) {
  /** Reads a scope the caller can see, or answers 404 as if it did not exist. */
  async function visible(tx: Queryable, ctx: RequestContext, id: string, needed: Role = "viewer", forUpdate = false): Promise<Scope> {
    return check(ctx, id, await store.findScope(tx, id, forUpdate), needed);
  }

  /** What `visible` decides, on scope `id` as read (undefined: none): the scope, or 404 / 403. */
  function check(ctx: RequestContext, id: string, scope: Scope | undefined, needed: Role): Scope {
    if (!scope) throw new NotFoundError(KIND_NAME[kindOf(id)]);
    requireRole(ctx.principal, scope.path, needed, `this ${KIND_NAME[scope.kind]}`);
    return scope;
  }

  return {
    get: (tx: Queryable, id: string) => store.findScope(tx, id),
    visible,
    check,

    /**
     * A scope is readable with a role at it or above, and also by members of a scope below it
     * (a workspace member may know its organization and tenant, which `GET /v1/tenants` lists).
     */
    async read(ctx: RequestContext, id: string) {
      const scope = await store.findScope(db, id);
      if (scope && !roleAt(ctx.principal, scope.path) && (await store.anyBelow(db, scope.id, [...ctx.principal.roles.keys()]))) {
        return presentScope(scope);
      }
      return presentScope(await visible(db, ctx, id));
    },

    async createTenant(ctx: RequestContext, input: { handle: string; title?: string }) {
      if (!ctx.principal.isAdmin) throw new ForbiddenError("only a platform administrator can create tenants");
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          if (await store.findSiblingByHandle(tx, null, input.handle)) {
            throw new ConflictError(`a tenant with handle "${input.handle}" already exists`, { field: "handle" });
          }
          const id = newId("tenant");
          const scope = await store.insertScope(tx, { id, kind: "tenant", parentId: null, tenantId: id, handle: input.handle, title: input.title ?? input.handle, actorId: ctx.principal.actorId });
          await auditScope(tx, ctx, "tenant.create", scope, undefined, presentScope(scope));
          return presentScope(scope);
        }),
      );
    },

    async createChild(ctx: RequestContext, parentId: string, kind: ScopeKind, input: { handle: string; title?: string }) {
      return db.transaction((tx) =>
        idempotent(tx, ctx, async () => {
          const parent = await visible(tx, ctx, parentId, "owner");
          if (CHILD_KIND[parent.kind] !== kind) throw new NotFoundError(KIND_NAME[kindOf(parentId)]);
          if (await store.findSiblingByHandle(tx, parent.id, input.handle)) {
            throw new ConflictError(`this ${KIND_NAME[parent.kind]} already has a ${KIND_NAME[kind]} with handle "${input.handle}"`, { field: "handle" });
          }
          const scope = await store.insertScope(tx, {
            id: newId(kind),
            kind,
            parentId: parent.id,
            tenantId: parent.tenantId,
            handle: input.handle,
            title: input.title ?? input.handle,
            actorId: ctx.principal.actorId,
          });
          await auditScope(tx, ctx, `${kind}.create`, scope, undefined, presentScope(scope));
          return presentScope(scope);
        }),
      );
    },

    async update(ctx: RequestContext, id: string, patch: { handle?: string; title?: string }) {
      return db.transaction(async (tx) => {
        const scope = await visible(tx, ctx, id, "owner", true);
        checkVersion(`this ${KIND_NAME[scope.kind]}`, scope.version, ctx.ifMatch);
        if (patch.handle !== undefined && patch.handle !== scope.handle) {
          const other = await store.findSiblingByHandle(tx, scope.parentId, patch.handle);
          if (other) throw new ConflictError(`handle "${patch.handle}" is taken by a sibling ${KIND_NAME[scope.kind]}`, { field: "handle" });
        }
        const updated = await store.updateScope(tx, id, patch, ctx.principal.actorId);
        await auditScope(tx, ctx, `${scope.kind}.update`, updated, presentScope(scope), presentScope(updated));
        return presentScope(updated);
      });
    },

    async remove(ctx: RequestContext, id: string) {
      // Its memberships and service tokens go with it (a cascade): cached principals are stale.
      await db.transaction(async (tx) => {
        const scope = await visible(tx, ctx, id, "owner", true);
        checkVersion(`this ${KIND_NAME[scope.kind]}`, scope.version, ctx.ifMatch);
        const contents = await store.scopeContents(tx, id);
        if (contents.children + contents.connections + contents.folders > 0) {
          throw new ConflictError(
            `this ${KIND_NAME[scope.kind]} is not empty (${contents.children} child scopes, ${contents.connections} connections, ${contents.folders} folders): delete them first`,
            contents,
          );
        }
        await auditScope(tx, ctx, `${scope.kind}.delete`, scope, presentScope(scope), undefined);
        await store.deleteScope(tx, id);
      });
      hooks.authChanged?.();
    },

    async children(ctx: RequestContext, id: string, limit: number, after?: string) {
      const scope = await visible(db, ctx, id);
      return (await store.listChildScopes(db, scope.id, limit, after)).map(presentScope);
    },

    async tenants(ctx: RequestContext, limit: number, after?: string) {
      const p = ctx.principal;
      return (await store.listTenantsFor(db, [...p.roles.keys()], p.isAdmin, limit, after)).map(presentScope);
    },
  };
}

export function kindOf(id: string): ScopeKind {
  return id.startsWith("tnt_") ? "tenant" : id.startsWith("org_") ? "org" : "workspace";
}
