import type { Queryable } from "./db";

/**
 * Serialises the changes that decide what a tenant's workspaces can see (grants, attachments,
 * moves, deletes), across replicas, for the rest of the transaction. Checks made after taking it
 * (e.g. "no attachment depends on this grant") stay true until commit.
 */
export async function lockTenantSharing(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchyard.sharing:' || $1))", [tenantId]);
}
