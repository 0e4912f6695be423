import type { Queryable } from "./db";

/**
 * Serialises the changes that decide what a tenant's workspaces can see (grants, attachments,
 * moves, deletes), across replicas, for the rest of the transaction. Checks made after taking it
 * (e.g. "no attachment depends on this grant") stay true until commit.
 */
export async function lockTenantSharing(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchyard.sharing:' || $1))", [tenantId]);
}

/**
 * Serialises the choice of derived handles in one scope (title → `name`, `name_2`, …), so that
 * concurrent creates pick distinct suffixes instead of colliding and retrying.
 */
export async function lockScopeHandles(tx: Queryable, scopeId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchyard.handles:' || $1))", [scopeId]);
}
