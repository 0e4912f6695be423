import type { Queryable } from "../db/db";
import type { ConnectionRow } from "../connections/store";

/**
 * What a workspace may attach (SPEC §4): its own connections and folders, and everything covered
 * by a grant to the workspace, its organization or its tenant (directly, or below a granted
 * folder). Computed from the grants and the folder tree in the caller's transaction.
 */

export interface AvailableVia {
  via: "own" | "grant";
  grantId: string | null;
  granteeId: string | null;
  /** The granted folder the connection is below, when the grant is on a folder. */
  folderId: string | null;
}

export type AvailableConnectionRow = ConnectionRow & { available_via: AvailableVia[] };

/**
 * A page of the connections available to a workspace, by handle then id, each with every reason
 * it is available. `path` is the workspace's scope path [tenant, org, workspace].
 */
export async function availableConnections(
  tx: Queryable,
  path: string[],
  q: { limit: number; after?: { handle: string; id: string }; plugin?: string; folderId?: string | null },
): Promise<AvailableConnectionRow[]> {
  const workspaceId = path[path.length - 1];
  const { rows } = await tx.query<AvailableConnectionRow>(
    `WITH RECURSIVE
     g AS (SELECT id, connection_id, folder_id, grantee_id FROM grants WHERE grantee_id = ANY($2::text[])),
     below (grant_id, grantee_id, root_id, folder_id) AS (
       SELECT g.id, g.grantee_id, g.folder_id, g.folder_id FROM g WHERE g.folder_id IS NOT NULL
       UNION ALL
       SELECT b.grant_id, b.grantee_id, b.root_id, f.id FROM folders f JOIN below b ON f.parent_id = b.folder_id
     ),
     why (connection_id, via, grant_id, grantee_id, folder_id) AS (
       SELECT c.id, 'own', NULL::text, NULL::text, NULL::text FROM connections c WHERE c.scope_id = $1
       UNION ALL
       SELECT g.connection_id, 'grant', g.id, g.grantee_id, NULL FROM g WHERE g.connection_id IS NOT NULL
       UNION ALL
       SELECT c.id, 'grant', b.grant_id, b.grantee_id, b.root_id FROM below b JOIN connections c ON c.folder_id = b.folder_id
     )
     SELECT c.id, c.scope_id, c.folder_id, c.handle, c.title, c.description, c.plugin, c.config, c.secrets,
            c.managed_by, c.version, c.created_at, c.created_by, c.updated_at, c.updated_by,
            json_agg(json_build_object('via', w.via, 'grantId', w.grant_id, 'granteeId', w.grantee_id, 'folderId', w.folder_id)
                     ORDER BY w.via DESC, w.grant_id COLLATE "C", w.folder_id COLLATE "C") AS available_via
       FROM why w JOIN connections c ON c.id = w.connection_id
      WHERE ($3::text IS NULL OR c.handle COLLATE "C" > $3 OR (c.handle = $3 AND c.id COLLATE "C" > $4))
        AND ($5::text IS NULL OR c.plugin = $5)
        AND ($6::boolean IS FALSE OR c.folder_id IS NOT DISTINCT FROM $7)
      GROUP BY c.id
      ORDER BY c.handle COLLATE "C", c.id COLLATE "C"
      LIMIT $8`,
    [workspaceId, path, q.after?.handle ?? null, q.after?.id ?? null, q.plugin ?? null, q.folderId !== undefined, q.folderId ?? null, q.limit],
  );
  return rows;
}

/** The ids and handles of every connection available to a workspace (for `?include=available`). */
export async function availableConnectionIds(tx: Queryable, path: string[]): Promise<{ id: string; handle: string }[]> {
  const { rows } = await tx.query<{ id: string; handle: string }>(
    `WITH RECURSIVE
     below (folder_id) AS (
       SELECT folder_id FROM grants WHERE grantee_id = ANY($2::text[]) AND folder_id IS NOT NULL
       UNION
       SELECT f.id FROM folders f JOIN below b ON f.parent_id = b.folder_id
     )
     SELECT id, handle FROM connections WHERE scope_id = $1
     UNION
     SELECT c.id, c.handle FROM grants g JOIN connections c ON c.id = g.connection_id WHERE g.grantee_id = ANY($2::text[])
     UNION
     SELECT c.id, c.handle FROM below b JOIN connections c ON c.folder_id = b.folder_id`,
    [path[path.length - 1], path],
  );
  return rows;
}

/** Whether a connection or folder is available to a workspace (SPEC §4): own, or granted to it or above. */
export async function isAvailable(tx: Queryable, objectId: string, workspacePath: string[]): Promise<boolean> {
  const workspaceId = workspacePath[workspacePath.length - 1];
  const { rows } = await tx.query<{ ok: boolean }>(
    `WITH RECURSIVE
     target AS (
       SELECT c.scope_id, c.folder_id AS start_folder, c.id AS connection_id FROM connections c WHERE c.id = $1
       UNION ALL
       SELECT f.scope_id, f.id, NULL FROM folders f WHERE f.id = $1
     ),
     up (folder_id) AS (
       SELECT start_folder FROM target WHERE start_folder IS NOT NULL
       UNION ALL
       SELECT f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
     )
     SELECT EXISTS (SELECT 1 FROM target WHERE scope_id = $3)
         OR EXISTS (SELECT 1 FROM grants g WHERE g.grantee_id = ANY($2::text[])
                      AND (g.connection_id = (SELECT connection_id FROM target) OR g.folder_id IN (SELECT folder_id FROM up))) AS ok`,
    [objectId, workspacePath, workspaceId],
  );
  return rows[0]?.ok === true;
}

export interface StrandedAttachment {
  attachment_id: string;
  workspace_id: string;
  object_id: string;
}

/** Which attachments a check looks at: those on `objectIds`, or on `folderId` or anything below it. */
export interface AttachmentsUnder {
  folderId?: string | null;
  objectIds?: string[];
}

/**
 * Attachments of a tenant's workspaces whose target is not available to the workspace (ignoring
 * grant `ignoringGrantId`): after a grant is revoked or something is moved, these must be refused
 * or cascaded. `under` narrows the check to what the change can affect (all attachments without it).
 */
export async function strandedAttachments(tx: Queryable, tenantId: string, opts: { ignoringGrantId?: string; under?: AttachmentsUnder } = {}): Promise<StrandedAttachment[]> {
  const { rows } = await tx.query<StrandedAttachment>(
    `WITH RECURSIVE
     below (id) AS (
       SELECT id FROM folders WHERE id = $3
       UNION ALL
       SELECT f.id FROM below b CROSS JOIN LATERAL (SELECT id FROM folders WHERE parent_id = b.id OFFSET 0) f
     ),
     t AS (
       SELECT a.id AS attachment_id, a.workspace_id, coalesce(a.connection_id, a.folder_id) AS object_id,
              a.connection_id, coalesce(a.folder_id, c.folder_id) AS start_folder,
              coalesce(c.scope_id, f.scope_id) AS owner_scope, w.parent_id AS org_id, w.tenant_id
         FROM attachments a
         JOIN scopes w ON w.id = a.workspace_id
         LEFT JOIN connections c ON c.id = a.connection_id
         LEFT JOIN folders f ON f.id = a.folder_id
        WHERE w.tenant_id = $1
          AND ($5::boolean
               OR a.connection_id = ANY($4::text[])
               OR a.folder_id = ANY (ARRAY(SELECT id FROM below))
               OR c.folder_id = ANY (ARRAY(SELECT id FROM below)))
     ),
     up (attachment_id, folder_id) AS (
       SELECT attachment_id, start_folder FROM t WHERE start_folder IS NOT NULL AND owner_scope <> workspace_id
       UNION ALL
       SELECT up.attachment_id, f.parent_id FROM folders f JOIN up ON f.id = up.folder_id WHERE f.parent_id IS NOT NULL
     ),
     -- attachments that a grant (other than the ignored one) still covers
     covered AS (
       SELECT t.attachment_id FROM t JOIN grants g ON g.connection_id = t.connection_id
        WHERE g.grantee_id IN (t.workspace_id, t.org_id, t.tenant_id) AND g.id IS DISTINCT FROM $2
       UNION
       SELECT t.attachment_id FROM up JOIN t ON t.attachment_id = up.attachment_id JOIN grants g ON g.folder_id = up.folder_id
        WHERE g.grantee_id IN (t.workspace_id, t.org_id, t.tenant_id) AND g.id IS DISTINCT FROM $2
     )
     SELECT t.attachment_id, t.workspace_id, t.object_id FROM t
      WHERE t.owner_scope <> t.workspace_id AND t.attachment_id NOT IN (SELECT attachment_id FROM covered)
      ORDER BY t.workspace_id, t.attachment_id`,
    [tenantId, opts.ignoringGrantId ?? null, opts.under?.folderId ?? null, opts.under?.objectIds ?? [], opts.under === undefined],
  );
  return rows;
}
