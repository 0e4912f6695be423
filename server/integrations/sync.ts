import { createHash } from "node:crypto";
import type { HierarchyProblem, HierarchySnapshot } from "../../contract/hierarchy";
import type { SyncResult } from "../../contract/integrations";
import { computeMirror } from "../../contract/mirror";
import { syncConnections } from "../attachments/entries";
import { assertNotStranded } from "../attachments/rules";
import { insertAudits, type AuditEntry } from "../audit/store";
import type { Queryable } from "../db/db";
import { ConflictError, ValidationError } from "../errors";
import { attachmentsOf, deleteSubtree, grantsOn } from "../folders/store";
import type { RequestContext } from "../http/context";
import type { Scope } from "../scopes/store";
import type { SecretBox } from "../secrets";
import { planSync, type Plan } from "./plan";
import * as store from "./store";
import type { IntegrationRow } from "./store";
import { canonical, effectiveTemplate } from "./template";

/**
 * One sync of an integration (SPEC §6.3), inside the caller's transaction, which holds the
 * tenant's sharing lock and the integration's row lock: the snapshot's mirror is planned against
 * the managed objects, checked (mass delete, handles, schema names), then written in sets, and
 * the workspaces' schemas follow in the same transaction.
 */

export const DEFAULT_MAX_DELETE_FRACTION = 0.2;
/** How many problems or objects a refusal names in its message (details carry more). */
const NAMED = 10;

function snapshotError(snapshot: HierarchySnapshot, problems: HierarchyProblem[]): ValidationError {
  const index = new Map<string, number>();
  snapshot.nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const details = problems.slice(0, 100).map((p) => ({ field: `body.nodes[${index.get(p.nodeId) ?? 0}]`, nodeId: p.nodeId, message: p.problem }));
  const more = problems.length > NAMED ? ` (and ${problems.length - NAMED} more)` : "";
  return new ValidationError(`invalid snapshot: ${problems.slice(0, NAMED).map((p) => p.problem).join("; ")}${more}; nothing was changed`, details);
}

export function snapshotHash(snapshot: HierarchySnapshot): string {
  const nodes = [...snapshot.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash("sha256").update(canonical({ cloud: snapshot.cloud, nodes })).digest("hex");
}

export async function runSync(
  tx: Queryable,
  box: SecretBox,
  ctx: RequestContext,
  integration: IntegrationRow,
  scope: Scope,
  snapshot: HierarchySnapshot,
  opts: { dryRun: boolean; allowMassDelete: boolean },
): Promise<SyncResult> {
  if (snapshot.cloud !== integration.type) {
    throw new ValidationError(`this is a ${integration.type} integration; the snapshot is of ${snapshot.cloud}`, [{ field: "body.cloud", message: `expected "${integration.type}"` }]);
  }
  const cfg = integration.config;
  const template = effectiveTemplate(box, integration.id, integration.type, cfg.connection.plugin, { config: cfg.connection.config, secrets: integration.secrets });
  const mirror = computeMirror(snapshot, { handlePrefix: cfg.handlePrefix, connection: template, exclude: cfg.exclude });
  if (mirror.problems.length) throw snapshotError(snapshot, mirror.problems);

  const current = { folders: await store.managedFolders(tx, integration.id), connections: await store.managedConnections(tx, integration.id) };
  const plan = planSync(box, integration.root_folder_id, mirror, current);
  await check(tx, integration, scope, plan, opts.allowMassDelete);

  const changed = plan.operations.length > 0;
  const audits: AuditEntry[] = [];
  const audit = (action: string, targetType: string, targetId: string, before?: unknown, after?: unknown) =>
    audits.push({ tenantId: scope.tenantId, scopePath: scope.path, actorId: ctx.principal.actorId, action, targetType, targetId, before, after, requestId: ctx.requestId });
  if (changed) await apply(tx, ctx, integration, scope, plan, audit);

  const summary = plan.summary;
  const hash = snapshotHash(snapshot);
  const managed = { managedBy: integration.id };
  for (const op of plan.operations) {
    audit(`${op.kind}.${op.op}`, op.kind, op.objectId as string, op.before && { ...op.before, ...managed, cloudId: op.cloudId }, op.after && { ...op.after, ...managed, cloudId: op.cloudId, changes: op.changes });
  }
  audit("integration.sync", "integration", integration.id, integration.last_sync ?? undefined, { summary, snapshotHash: hash, nodes: snapshot.nodes.length, dryRun: opts.dryRun });
  await insertAudits(tx, audits);
  await store.recordSync(tx, integration.id, { at: new Date().toISOString(), by: ctx.principal.actorId, summary, snapshotHash: hash });
  return { dryRun: opts.dryRun, summary, operations: plan.operations };
}

/** The refusals decided before anything is written. */
async function check(tx: Queryable, integration: IntegrationRow, scope: Scope, plan: Plan, allowMassDelete: boolean) {
  const deleting = plan.folders.delete.length + plan.connections.delete.length;
  const max = integration.config.maxDeleteFraction ?? DEFAULT_MAX_DELETE_FRACTION;
  if (!allowMassDelete && plan.managedBefore > 0 && deleting / plan.managedBefore > max) {
    const share = Math.round((deleting / plan.managedBefore) * 1000) / 10;
    throw new ConflictError(
      `this snapshot would delete ${deleting} of the ${plan.managedBefore} objects integration ${integration.handle} manages (${share}%, more than maxDeleteFraction ${max}): a reader that lost permissions must not empty an estate; check the snapshot, or pass allowMassDelete=true if the deletions are meant`,
      { delete: deleting, managed: plan.managedBefore, fraction: deleting / plan.managedBefore, maxDeleteFraction: max, folders: plan.folders.delete.length, connections: plan.connections.delete.length },
    );
  }
  const wanted = [...plan.connections.create, ...plan.connections.update.filter((c) => c.renamed)];
  const taken = await store.handlesTakenInScope(tx, scope.id, integration.id, wanted.map((c) => c.handle));
  if (taken.length) {
    const byHandle = new Map(wanted.map((c) => [c.handle, c.cloudId]));
    const list = taken.map((t) => ({ handle: t.handle, connectionId: t.id, cloudId: byHandle.get(t.handle) as string }));
    throw new ConflictError(
      `${list.length} handle(s) the mirror needs are taken in this scope by connections it does not manage: ${list
        .slice(0, NAMED)
        .map((t) => `"${t.handle}" (node ${t.cloudId}, held by ${t.connectionId})`)
        .join(", ")}; rename those connections or set another handlePrefix`,
      { handles: list },
    );
  }
  const renames = plan.connections.update.filter((c) => c.renamed).map((c) => ({ id: c.id, handle: c.handle }));
  const clashes = await store.renameClashes(tx, renames, plan.connections.delete.map((c) => c.id));
  if (clashes.length) {
    const cloudOf = new Map(plan.connections.update.map((c) => [c.id, c.cloudId]));
    throw new ConflictError(
      `renaming would give a workspace two schemas of one name: ${clashes
        .slice(0, NAMED)
        .map((c) => `connection ${c.connection_id} (node ${cloudOf.get(c.connection_id)}) as "${c.handle}" beside connection ${c.other_id} in workspace ${c.workspace_id}`)
        .join(", ")}; rename or detach the other connection first`,
      { clashes: clashes.map((c) => ({ connectionId: c.connection_id, cloudId: cloudOf.get(c.connection_id), handle: c.handle, workspaceId: c.workspace_id, otherConnectionId: c.other_id })) },
    );
  }
}

/** Writes the plan: parents before children, moves before deletes, handles freed before reused. */
async function apply(tx: Queryable, ctx: RequestContext, integration: IntegrationRow, scope: Scope, plan: Plan, audit: (action: string, type: string, id: string, before?: unknown, after?: unknown) => void) {
  const actor = ctx.principal.actorId;
  const root = integration.root_folder_id;
  await store.insertFolders(tx, scope.id, integration.id, actor, plan.folders.create);

  // Moved folders are parked under the root, then placed level by level, so that no
  // intermediate state is a cycle (the tree trigger checks each row as it is written).
  const updates = plan.folders.update;
  const moved = updates.filter((f) => f.moved);
  if (moved.length) await store.updateFolders(tx, actor, moved.map((f) => ({ ...f, parentId: root })));
  for (const depth of [...new Set(updates.map((f) => f.depth))].sort((a, b) => a - b)) {
    await store.updateFolders(tx, actor, updates.filter((f) => f.depth === depth));
  }

  const goneConnections = plan.connections.delete.map((c) => c.id);
  const goneFolders = plan.folders.delete.map((f) => f.id);
  const gone = [...goneConnections, ...goneFolders];
  if (gone.length) {
    const cause = { deletedBySync: integration.id };
    for (const a of await attachmentsOf(tx, gone)) audit("attachment.delete", "attachment", a.id, { id: a.id, objectId: a.object_id, workspaceId: a.other_id }, cause);
    for (const g of await grantsOn(tx, gone)) audit("grant.delete", "grant", g.id, { id: g.id, objectId: g.object_id, granteeId: g.other_id }, cause);
  }
  if (goneConnections.length) await deleteSubtree(tx, [], goneConnections);

  const renamed = plan.connections.update.filter((c) => c.renamed).map((c) => c.id);
  await store.parkHandles(tx, renamed);
  await store.updateConnections(tx, actor, plan.connections.update);
  await store.insertConnections(tx, scope.id, integration.id, actor, plan.connections.create);
  if (goneFolders.length) await deleteSubtree(tx, goneFolders, []);

  const structural = plan.folders.create.length + moved.length + gone.length + plan.connections.create.length + plan.connections.update.filter((c) => c.moved).length;
  if (structural > 0) {
    // A move out of a granted folder must not strand an attachment (as for a PATCH).
    await assertNotStranded(tx, scope.tenantId, { folderId: root });
    // Every connection below the root, in every workspace: only rows that differ are written.
    await syncConnections(tx, { folderId: root });
  }
}
