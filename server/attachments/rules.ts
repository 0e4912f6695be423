import type { Queryable } from "../db/db";
import { ConflictError } from "../errors";
import { strandedAttachments, type AttachmentsUnder, type StrandedAttachment } from "./availability";
import { connectionsBrought, workspaceSchemas } from "./queries";

/**
 * Refuses (409) a change that left attachments of the tenant without the grant that makes them
 * available; `under` names what the change moved (the attachments it can affect).
 */
export async function assertNotStranded(tx: Queryable, tenantId: string, under?: AttachmentsUnder): Promise<void> {
  const stranded = await strandedAttachments(tx, tenantId, { under });
  if (stranded.length > 0) {
    throw new ConflictError(
      `this change would leave ${stranded.length} attachment(s) without the grant that makes them available; detach them first: ${describeAttachments(stranded)}`,
      { attachments: presentStranded(stranded) },
    );
  }
}

export function describeAttachments(list: StrandedAttachment[]): string {
  return list.map((s) => `${s.attachment_id} (${s.object_id} in workspace ${s.workspace_id})`).join(", ");
}

export function presentStranded(list: StrandedAttachment[]) {
  return list.map((s) => ({ attachmentId: s.attachment_id, workspaceId: s.workspace_id, objectId: s.object_id }));
}

/**
 * Refuses (409, naming both) an attachment of `objectId` that would bring a connection whose
 * handle is already the name of a schema held by another connection in the workspace. For a
 * folder, every connection below it is checked against the workspace's current schemas.
 */
export async function assertNoCollision(tx: Queryable, workspaceId: string, objectId: string): Promise<void> {
  const brought = await connectionsBrought(tx, objectId);
  if (brought.length === 0) return;
  const holders = new Map<string, string>();
  for (const s of await workspaceSchemas(tx, workspaceId)) if (s.state !== "conflict") holders.set(s.name, s.connection_id);
  const collisions = brought
    .filter((c) => holders.has(c.handle) && holders.get(c.handle) !== c.id)
    .map((c) => ({ name: c.handle, connectionId: c.id, existingConnectionId: holders.get(c.handle) as string }));
  if (collisions.length > 0) {
    const first = collisions[0];
    throw new ConflictError(
      `schema name "${first.name}" is taken in this workspace: connection ${first.connectionId} would collide with connection ${first.existingConnectionId}` +
        (collisions.length > 1 ? ` (and ${collisions.length - 1} more collision(s))` : "") +
        "; rename one of them or detach the existing one first",
      { collisions },
    );
  }
}
