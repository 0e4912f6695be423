import * as pulumi from "@pulumi/pulumi";
import { hierarchyProblems, hierarchySnapshotSchema } from "../contract/hierarchy";
import type { Cloud, HierarchyNode, HierarchySnapshot } from "../contract/hierarchy-types";
import { computeMirror, configProblems, DEFAULT_CONNECTION_TEMPLATES, fillTemplate, handlePrefixSchema, withDefaults } from "../contract/mirror";
import type { Mirror } from "../contract/mirror-types";
import { pluginDefinition } from "../contract/plugins";
import { Connection, Folder, isPlain } from "./resources";

/**
 * The client-side mirror components (SPEC §6, §9): a hierarchy snapshot turned into ordinary
 * `Folder` and `Connection` resources, so `pulumi preview` shows each change before it happens.
 * The desired state comes from `computeMirror` (contract/mirror.ts), the rule the service's
 * integrations follow, so both sides derive the same titles, handles and configs.
 *
 * Child resources are named from cloud ids only (`<name>/folder/<id>`, `<name>/leaf/<id>`), never
 * from names or positions: a renamed or moved account keeps its resource and previews as an
 * in-place update, a new account as its own create, a closed one as its own delete.
 */

/** A connection config whose values may come from other resources or stack secrets. */
export type MirrorConnectionConfig = Record<string, pulumi.Input<unknown>>;

/**
 * The connection template (SPEC §6.2): `{ plugin?, config }` whose strings may hold `{id}` and
 * `{name}`, merged over the cloud's default (AWS: `roleArn: arn:aws:iam::{id}:role/switchyard` and
 * every region; Azure: `subscriptionId: "{id}"`; GCP: `projectId: "{id}"`); or a function that
 * answers each leaf's whole config.
 */
export type MirrorConnection = { plugin?: string; config: MirrorConnectionConfig } | ((leaf: HierarchyNode) => MirrorConnectionConfig);

export interface MirrorArgs {
  /** The tenant, organization or workspace that owns the mirrored folders and connections. */
  scopeId: pulumi.Input<string>;
  /** A hierarchy snapshot (SPEC §6.1) as a plain object: what `sy.aws.readOrganization()` or `sy.aws.fromCliExport()` answer. */
  hierarchy: HierarchySnapshot;
  /** A folder of the same scope to mirror under; omit to mirror at the top of the scope. */
  parentFolderId?: pulumi.Input<string>;
  /** Default: the cloud's (`aws_`, `azure_`, `gcp_`). */
  handlePrefix?: string;
  /** Default: the cloud's connection template (SPEC §6.2). */
  connection?: MirrorConnection;
  /** Cloud ids whose subtrees are left out (and deleted, when they were mirrored before). */
  exclude?: string[];
}

/** URNs separate their parts with `::`: cloud ids are escaped so no id can make one. */
export function resourceNameOf(cloudId: string): string {
  return cloudId.replace(/%/g, "%25").replace(/:/g, "%3A");
}

/** What a mirror asks for, checked: throws an error naming the node or the argument at fault. */
export function plannedMirror(type: string, name: string, cloud: Cloud, args: MirrorArgs): { mirror: Mirror; snapshot: HierarchySnapshot } {
  const where = `${type} "${name}"`;
  const parsed = hierarchySnapshotSchema.safeParse(args.hierarchy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [first, index] = issue.path;
    const node = first === "nodes" && typeof index === "number" ? (args.hierarchy as { nodes?: { id?: unknown }[] }).nodes?.[index]?.id : undefined;
    const at = `hierarchy.${issue.path.join(".")}`;
    throw new Error(`${where}: ${at}${node !== undefined ? ` (node "${String(node)}")` : ""}: ${issue.message}`);
  }
  const snapshot = parsed.data;
  if (snapshot.cloud !== cloud) throw new Error(`${where}: hierarchy is a snapshot of cloud "${snapshot.cloud}", but this component mirrors ${cloud}`);
  const problems = hierarchyProblems(snapshot);
  if (problems.length) throw new Error(`${where}: the hierarchy is not a tree: ${problems.slice(0, 10).map((p) => p.problem).join("; ")}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ""}`);
  if (args.handlePrefix !== undefined) {
    const bad = handlePrefixSchema.safeParse(args.handlePrefix);
    if (!bad.success) throw new Error(`${where}: handlePrefix "${args.handlePrefix}": ${bad.error.issues[0].message}`);
  }
  const template = typeof args.connection === "function" || args.connection === undefined ? DEFAULT_CONNECTION_TEMPLATES[cloud] : { plugin: args.connection.plugin ?? DEFAULT_CONNECTION_TEMPLATES[cloud].plugin, config: {} };
  if (!pluginDefinition(template.plugin)) throw new Error(`${where}: connection.plugin "${template.plugin}" is not a known plugin`);
  // Titles, handles and parents; each leaf's config is made below, where values may be outputs.
  const mirror = computeMirror(snapshot, { handlePrefix: args.handlePrefix, exclude: args.exclude, connection: template });
  return { mirror, snapshot };
}

/**
 * Each leaf's config: the template filled with its id and name (outputs filled once known), or
 * what the function answers. Known values are checked against the plugin's schema now, naming the
 * leaf; secret fields are marked secret so they never show in plain text.
 */
function leafConfig(where: string, cloud: Cloud, plugin: string, connection: MirrorConnection | undefined, node: HierarchyNode): MirrorConnectionConfig {
  let config: MirrorConnectionConfig;
  if (typeof connection === "function") config = connection(node);
  else {
    const template = withDefaults(cloud, { plugin, config: connection?.config ?? {} }).config as MirrorConnectionConfig;
    const leaf = { id: node.id, name: node.name.trim() };
    config = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, isPlain(v) ? fillTemplate(v, leaf) : (pulumi.output(v) as pulumi.Output<unknown>).apply((x) => fillTemplate(x, leaf))]));
  }
  const pending = Object.keys(config).filter((k) => !isPlain(config[k]));
  const bad = configProblems(plugin, Object.fromEntries(Object.entries(config).filter(([k]) => !pending.includes(k))))
    // a field given as an output is checked by the Connection once its value is known
    .filter((p) => !pending.some((k) => p.startsWith(`config.${k}:`) || p.startsWith(`config.${k}.`)));
  if (bad.length) throw new Error(`${where}: the connection template makes an invalid ${plugin} config for leaf "${node.id}" (${node.name}): ${bad.join("; ")}`);
  const secrets = new Set(pluginDefinition(plugin)?.secretFields ?? []);
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secrets.has(k) ? pulumi.secret(v) : v]));
}

/** The one implementation behind the three cloud components. */
export abstract class HierarchyMirror extends pulumi.ComponentResource {
  /** Cloud id → folder id (fld_…), for every mirrored folder node. */
  readonly folderIds: pulumi.Output<Record<string, string>>;
  /** Cloud id → connection id (conn_…), for every mirrored leaf. */
  readonly connectionIds: pulumi.Output<Record<string, string>>;
  /** Cloud id → connection handle (the schema name in every workspace it reaches). */
  readonly handles: pulumi.Output<Record<string, string>>;

  protected constructor(type: string, cloud: Cloud, name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const { mirror, snapshot } = plannedMirror(type, name, cloud, args);
    const where = `${type} "${name}"`;
    const nodes = new Map(snapshot.nodes.map((n) => [n.id, n]));
    const parent = { parent: this };

    const folders = new Map<string, Folder>();
    for (const f of mirror.folders) {
      const parentId = f.parentCloudId === null ? args.parentFolderId : folders.get(f.parentCloudId)!.id;
      folders.set(f.cloudId, new Folder(`${name}/folder/${resourceNameOf(f.cloudId)}`, { scopeId: args.scopeId, title: f.title, parentId }, parent));
    }
    const connections = new Map<string, Connection>();
    for (const l of mirror.leaves) {
      const folderId = l.parentCloudId === null ? args.parentFolderId : folders.get(l.parentCloudId)!.id;
      const config = leafConfig(where, cloud, l.plugin, args.connection, nodes.get(l.cloudId)!);
      connections.set(l.cloudId, new Connection(`${name}/leaf/${resourceNameOf(l.cloudId)}`, { scopeId: args.scopeId, plugin: l.plugin, config, handle: l.handle, title: l.title, folderId }, parent));
    }

    const ids = <R extends pulumi.CustomResource>(m: Map<string, R>) => pulumi.all(Object.fromEntries([...m].map(([k, r]) => [k, r.id]))) as pulumi.Output<Record<string, string>>;
    this.folderIds = ids(folders);
    this.connectionIds = ids(connections);
    this.handles = pulumi.output(Object.fromEntries(mirror.leaves.map((l) => [l.cloudId, l.handle])));
    this.registerOutputs({ folderIds: this.folderIds, connectionIds: this.connectionIds, handles: this.handles });
  }
}

/** An AWS organization (root, organizational units, accounts) mirrored into folders and connections. */
export class AwsOrganizationMirror extends HierarchyMirror {
  constructor(name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("switchyard:index:AwsOrganizationMirror", "aws", name, args, opts);
  }
}

/** Azure management groups and their subscriptions mirrored into folders and connections. */
export class AzureManagementGroupMirror extends HierarchyMirror {
  constructor(name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("switchyard:index:AzureManagementGroupMirror", "azure", name, args, opts);
  }
}

/** A GCP organization's folders and projects mirrored into folders and connections. */
export class GcpFolderMirror extends HierarchyMirror {
  constructor(name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("switchyard:index:GcpFolderMirror", "gcp", name, args, opts);
  }
}
