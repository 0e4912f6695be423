import { ForbiddenError, NotFoundError } from "../errors";

import { ROLES, type Role } from "../../contract/roles";

export { ROLES, type Role };

const RANK: Record<Role, number> = { viewer: 1, editor: 2, operator: 3, owner: 4 };

export function atLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

/** Who is calling: a user (through one of their tokens) or a service token bound to one scope. */
export interface Principal {
  tokenId: string;
  /** The id audit records name as the actor: the user, or the service token itself. */
  actorId: string;
  userId?: string;
  isAdmin: boolean;
  /** Direct roles by scope id; a role at a scope applies to everything below it. */
  roles: ReadonlyMap<string, Role>;
}

/**
 * The caller's effective role at a scope, given the scope's path from its tenant down to itself:
 * the strongest role held at any scope on that path.
 */
export function roleAt(principal: Principal, scopePath: readonly string[]): Role | undefined {
  if (principal.isAdmin) return "owner";
  let best: Role | undefined;
  for (const id of scopePath) {
    const r = principal.roles.get(id);
    if (r && (!best || RANK[r] > RANK[best])) best = r;
  }
  return best;
}

/**
 * The scopes where the caller holds `needed` or more, directly: roleAt(principal, path) is at
 * least `needed` exactly when the caller is an administrator or `path` contains one of these (the
 * strongest role on the path is at least `needed` when one of them is). For a statement that
 * checks the role itself before it writes.
 */
export function scopesWithRole(principal: Principal, needed: Role): string[] {
  const ids: string[] = [];
  for (const [id, role] of principal.roles) if (atLeast(role, needed)) ids.push(id);
  return ids;
}

/**
 * Enforces SPEC §1: what the caller cannot see answers 404 (no existence leaks); what they can
 * see but not change answers 403 naming the role they would need.
 */
export function requireRole(principal: Principal, scopePath: readonly string[], needed: Role, what: string): Role {
  const role = roleAt(principal, scopePath);
  if (!role) throw new NotFoundError(what);
  if (!atLeast(role, needed)) {
    throw new ForbiddenError(`this needs the ${needed} role on the scope of ${what}; you are ${role}`);
  }
  return role;
}

/** Whether the caller has any role at the scope or below it (so may know that the scope exists). */
export function hasRoleAtOrBelow(principal: Principal, scopeId: string, descendants: Iterable<string>): boolean {
  if (principal.isAdmin || principal.roles.has(scopeId)) return true;
  for (const d of descendants) if (principal.roles.has(d)) return true;
  return false;
}
