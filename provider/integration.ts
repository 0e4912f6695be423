import type * as pulumi from "@pulumi/pulumi";
import { handleProblem } from "../contract/handles";
import { CLOUDS, hierarchyProblems, hierarchySnapshotSchema, type Cloud, type HierarchySnapshot } from "../contract/hierarchy";
import { integrationConfigInput, type IntegrationConfigInput, type IntegrationView, type SyncResult } from "../contract/integrations";
import { templateProblem, withDefaults } from "../contract/mirror";
import { adopt, api, compact, configure, deleteIfPresent, getOrGone, mayCollide, optionalId, optionalString, requireId, scopePath, type Failures } from "./common";
import { containsUnknown, detailedDiff, diffResult, isUnknown, propertyChange } from "./diff";

/**
 * Integrations as resources (SPEC §6.3, §9): the service owns the mirrored folders and
 * connections and reconciles them from each snapshot pushed to it. The resource creates the
 * integration, and pushes `snapshot` with a sync on create and whenever the snapshot (or the
 * template it is mirrored with) changes. The scope, type, handle and parent folder cannot change
 * in place (the API's PATCH takes title and config): a new one replaces the integration.
 */
export interface IntegrationInputs {
  scopeId: string;
  type: Cloud;
  handle: string;
  title?: string;
  config: IntegrationConfigInput;
  parentFolderId?: string | null;
  snapshot?: HierarchySnapshot;
  /** Lift the mass-delete guard for the syncs this resource makes (SPEC §6.2). */
  allowMassDelete?: boolean;
  /** Take over this existing integration (int_…) instead of creating one. */
  adoptId?: string;
}

export interface IntegrationOutputs extends IntegrationInputs {
  title: string;
  rootFolderId: string;
  lastSync: IntegrationView["lastSync"];
  version: number;
  createdAt: string;
  updatedAt: string;
}

function outputsFrom(view: IntegrationView, inputs: IntegrationInputs): IntegrationOutputs {
  return compact({
    scopeId: view.scopeId,
    type: view.type,
    handle: view.handle,
    title: view.title,
    // the service shows template secrets redacted: state keeps the program's (a secret output)
    config: inputs.config,
    parentFolderId: view.parentFolderId ?? undefined,
    snapshot: inputs.snapshot,
    allowMassDelete: inputs.allowMassDelete,
    adoptId: inputs.adoptId,
    rootFolderId: view.rootFolderId,
    lastSync: view.lastSync,
    version: view.version,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  });
}

/** Snapshot failures, each naming the node: its shape, then the tree rules of SPEC §6.1. */
function snapshotFailures(failures: Failures, snapshot: unknown, type: unknown): void {
  if (snapshot === undefined || snapshot === null || containsUnknown(snapshot)) return;
  const parsed = hierarchySnapshotSchema.safeParse(snapshot);
  if (!parsed.success) {
    const nodes = (snapshot as { nodes?: { id?: unknown }[] }).nodes;
    for (const issue of parsed.error.issues.slice(0, 10)) {
      const [first, index] = issue.path;
      const node = first === "nodes" && typeof index === "number" && Array.isArray(nodes) ? nodes[index]?.id : undefined;
      const property = ["snapshot", ...issue.path.map(String)].join(".");
      failures.push({ property, reason: `${property}${node !== undefined ? ` (node "${String(node)}")` : ""}: ${issue.message}` });
    }
    return;
  }
  for (const p of hierarchyProblems(parsed.data).slice(0, 10)) failures.push({ property: "snapshot", reason: `snapshot: ${p.problem}` });
  if (typeof type === "string" && !isUnknown(type) && parsed.data.cloud !== type) {
    failures.push({ property: "snapshot.cloud", reason: `snapshot.cloud is "${parsed.data.cloud}", but the integration's type is "${type}"` });
  }
}

async function sync(id: string, inputs: IntegrationInputs): Promise<SyncResult | undefined> {
  if (!inputs.snapshot) return undefined;
  const query = inputs.allowMassDelete ? { allowMassDelete: "true" } : undefined;
  return (await api().request<SyncResult>("POST", `/v1/integrations/${id}/sync`, { body: inputs.snapshot, query })).body;
}

async function view(id: string): Promise<IntegrationView> {
  return (await api().get<IntegrationView>(`/v1/integrations/${id}`)).body;
}

export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: IntegrationInputs, news: IntegrationInputs) {
    const failures: Failures = [];
    const inputs = news as unknown as Record<string, unknown>;
    requireId(failures, inputs, "scopeId", "tenant", "org");
    const typeKnown = !isUnknown(news.type);
    if (typeKnown && !CLOUDS.includes(news.type)) failures.push({ property: "type", reason: `type must be one of ${CLOUDS.join(", ")}` });
    if (news.handle === undefined || news.handle === null) failures.push({ property: "handle", reason: "handle is required: unique among the tenant's integrations" });
    else optionalString(failures, inputs, "handle", 63, (h) => handleProblem(h));
    optionalString(failures, inputs, "title", 255);
    optionalId(failures, inputs, "parentFolderId", "folder");
    if (news.adoptId !== undefined) requireId(failures, inputs, "adoptId", "integration");
    if (news.config === undefined || news.config === null) failures.push({ property: "config", reason: "config is required: { connection: { plugin?, config }, handlePrefix?, exclude?, maxDeleteFraction? }" });
    else if (!isUnknown(news.config)) {
      const parsed = integrationConfigInput.safeParse(news.config);
      for (const issue of parsed.error?.issues ?? []) {
        if (containsUnknown(valueAt(news.config, issue.path))) continue;
        const property = ["config", ...issue.path.map(String)].join(".");
        failures.push({ property, reason: `${property}: ${issue.message}` });
      }
      // The template must make a valid config for the cloud's leaves; checked once all of it is known.
      if (parsed.success && typeKnown && CLOUDS.includes(news.type) && !containsUnknown(news.config)) {
        const template = withDefaults(news.type, { plugin: parsed.data.connection.plugin ?? news.type, config: parsed.data.connection.config });
        const problem = templateProblem(news.type, template);
        if (problem) failures.push({ property: "config.connection", reason: `config.connection: ${problem}` });
      }
    }
    snapshotFailures(failures, news.snapshot, news.type);
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: IntegrationOutputs, news: IntegrationInputs) {
    // An omitted title is the handle, as the service makes it.
    const wanted = { ...news, title: news.title ?? news.handle };
    const detail = detailedDiff(olds as never, wanted as never, { replaces: ["scopeId", "type", "handle", "parentFolderId"], updates: ["title", "config", "snapshot", "allowMassDelete"] });
    // Handles are unique in the tenant: a replacement keeping the handle goes after the old one is deleted.
    return diffResult(detail, mayCollide(olds as never, news as never, ["handle"]), ["scopeId", "type"]);
  },

  async create(inputs: IntegrationInputs) {
    let created: IntegrationView;
    if (inputs.adoptId) {
      const found = await adopt<IntegrationView>("integration", `/v1/integrations/${inputs.adoptId}`, inputs.adoptId, { scopeId: inputs.scopeId, type: inputs.type, handle: inputs.handle });
      created = (await api().patch<IntegrationView>(`/v1/integrations/${found.id}`, { title: inputs.title ?? inputs.handle, config: inputs.config }, found.version)).body;
    } else {
      const body = compact({ type: inputs.type, handle: inputs.handle, title: inputs.title, config: inputs.config, parentFolderId: inputs.parentFolderId ?? undefined });
      created = (await api().create<IntegrationView>(`/v1/${scopePath(inputs.scopeId)}/integrations`, body)).body;
    }
    if (!inputs.snapshot) return { id: created.id, outs: outputsFrom(created, inputs) };
    try {
      await sync(created.id, inputs);
    } catch (err) {
      throw new Error(`integration ${created.id} was created, but its first sync failed: ${(err as Error).message}. Fix the snapshot and run \`pulumi up\` again (run \`pulumi refresh\` first if this integration is not in the stack).`);
    }
    return { id: created.id, outs: outputsFrom(await view(created.id), inputs) };
  },

  async read(id: string, props?: IntegrationOutputs) {
    const found = await getOrGone<IntegrationView>(`/v1/integrations/${id}`);
    if (!found) return {}; // gone: dropped from state
    // The template's secrets never come back from the service: keep the program's from state.
    const config = props?.config ?? (found.config as IntegrationConfigInput);
    const inputs: IntegrationInputs = compact({ scopeId: found.scopeId, type: found.type, handle: found.handle, title: found.title, config, parentFolderId: found.parentFolderId ?? undefined, snapshot: props?.snapshot, allowMassDelete: props?.allowMassDelete, adoptId: props?.adoptId });
    return { id, props: outputsFrom(found, inputs), inputs };
  },

  async update(id: string, olds: IntegrationOutputs, news: IntegrationInputs) {
    const title = news.title ?? news.handle;
    const configChanged = propertyChange(olds.config, news.config, false) !== undefined;
    if (title !== olds.title || configChanged) {
      await api().patch<IntegrationView>(`/v1/integrations/${id}`, { title, config: news.config }, olds.version);
    }
    // A new template applies from the next sync: push the snapshot again when it or the template changed.
    if (configChanged || propertyChange(olds.snapshot, news.snapshot, false)) await sync(id, news);
    return { outs: outputsFrom(await view(id), news) };
  },

  async delete(id: string, props: IntegrationOutputs) {
    await deleteIfPresent(`/v1/integrations/${id}`, { confirm: props.handle });
  },
};

function valueAt(root: unknown, at: PropertyKey[]): unknown {
  let v = root;
  for (const key of at) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}
