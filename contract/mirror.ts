import { z } from "zod";
import { handleProblem, slugify } from "./handles";
import { hierarchyProblems, type Cloud, type HierarchySnapshot } from "./hierarchy";
import type { ConnectionTemplate, Mirror, MirrorFolder, MirrorLeaf, MirrorOptions } from "./mirror-types";
import { pluginDefinition } from "./plugins";

export type { ConnectionTemplate, Mirror, MirrorFolder, MirrorLeaf, MirrorOptions } from "./mirror-types";

/**
 * The reconcile rule of SPEC §6.2, pure (no I/O): from a snapshot and a mirror's options, the
 * folders and connections the mirror should hold. Shared by the service's integrations and the
 * SDK's client-side mirror components, so both sides derive the same titles, handles and configs.
 */

/** The documented AWS commercial regions (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html). */
export const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "af-south-1",
  "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ca-central-1", "ca-west-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
  "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
] as const;

export const DEFAULT_HANDLE_PREFIXES: Record<Cloud, string> = { aws: "aws_", azure: "azure_", gcp: "gcp_" };

/**
 * Each cloud's default connection template. Azure's `tenantId`, `clientId` and `clientSecret`
 * and GCP's `credentials` cannot be guessed: the user supplies them (merged over these).
 */
export const DEFAULT_CONNECTION_TEMPLATES: Record<Cloud, ConnectionTemplate> = {
  aws: { plugin: "aws", config: { roleArn: "arn:aws:iam::{id}:role/switchyard", regions: [...AWS_REGIONS] } },
  azure: { plugin: "azure", config: { subscriptionId: "{id}" } },
  gcp: { plugin: "gcp", config: { projectId: "{id}" } },
};

/**
 * A template with the cloud's defaults filled in where the user gave nothing (same plugin only):
 * e.g. an Azure template `{ tenantId, clientId, clientSecret }` gets `subscriptionId: "{id}"`.
 */
export function withDefaults(cloud: Cloud, template: ConnectionTemplate): ConnectionTemplate {
  const defaults = DEFAULT_CONNECTION_TEMPLATES[cloud];
  if (template.plugin !== defaults.plugin) return template;
  // AWS: a user who chose access keys does not also get the default role
  const base = { ...defaults.config };
  if (cloud === "aws" && ("accessKeyId" in template.config || "secretAccessKey" in template.config)) delete base.roleArn;
  return { plugin: template.plugin, config: { ...base, ...template.config } };
}

/** A handle prefix: empty, or the start of a handle (letters, digits, single underscores; may end with one). */
export const HANDLE_PREFIX_PATTERN = /^(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*_?)?$/;
export const handlePrefixSchema = z.string().max(40).regex(HANDLE_PREFIX_PATTERN, "a handle prefix is lower-case letters, digits and single underscores, starting with a letter (it may end with _)");

const MAX_HANDLE = 63;

/** Byte order, so the result does not depend on the locale. */
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Replaces `{id}` and `{name}` in every string of `value`, at any depth. */
export function fillTemplate(value: unknown, leaf: { id: string; name: string }): unknown {
  if (typeof value === "string") return value.replaceAll("{id}", leaf.id).replaceAll("{name}", leaf.name);
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, leaf));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, leaf)]));
  return value;
}

/** Problems with the config `template` makes for one leaf, as `config.field: message`. */
export function configProblems(plugin: string, config: Record<string, unknown>): string[] {
  const def = pluginDefinition(plugin);
  if (!def) return [`unknown plugin "${plugin}"`];
  const parsed = def.schema.safeParse(config);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => {
    const keys = i.code === "unrecognized_keys" ? ` (${i.keys.join(", ")})` : "";
    return `${["config", ...i.path.map(String)].join(".")}: ${i.message}${keys}`;
  });
}

/** A leaf id that each cloud could really have, to check a template before any snapshot arrives. */
export const SAMPLE_LEAF: Record<Cloud, { id: string; name: string }> = {
  aws: { id: "123456789012", name: "Sample account" },
  azure: { id: "00000000-0000-4000-8000-000000000000", name: "Sample subscription" },
  gcp: { id: "sample-project-1", name: "Sample project" },
};

/** Why a template cannot produce a valid config for the cloud's leaves (checked with a sample leaf), or undefined. */
export function templateProblem(cloud: Cloud, template: ConnectionTemplate): string | undefined {
  const problems = configProblems(template.plugin, fillTemplate(template.config, SAMPLE_LEAF[cloud]) as Record<string, unknown>);
  return problems.length ? `the connection template does not make a valid ${template.plugin} config (for a sample leaf ${SAMPLE_LEAF[cloud].id}): ${problems.join("; ")}` : undefined;
}

/** The handle a leaf wants: prefix + slugified name, at most 63 bytes, always valid. */
export function baseHandle(prefix: string, name: string): string {
  const part = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  let handle = prefix && part ? `${prefix}${prefix.endsWith("_") ? "" : "_"}${part}` : prefix || part;
  if (!/^[a-z]/.test(handle)) handle = slugify(name, MAX_HANDLE);
  handle = handle.slice(0, MAX_HANDLE).replace(/_+$/, "");
  if (handleProblem(handle)) handle = `c_${handle}`.slice(0, MAX_HANDLE).replace(/_+$/, "");
  return handle;
}

/** `base` with a suffix, cut so the whole stays within 63 bytes. */
function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX_HANDLE - suffix.length).replace(/_+$/, "")}${suffix}`;
}

/**
 * Handles for every leaf, independent of node order: among leaves wanting one handle, the
 * smallest cloud id keeps it; each other gets `_` + the end of its own id (longer ends, then a
 * number, until it is unique and valid).
 */
export function assignHandles(leaves: { cloudId: string; want: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set(leaves.map((l) => l.want));
  const groups = new Map<string, string[]>();
  for (const l of leaves) groups.set(l.want, [...(groups.get(l.want) ?? []), l.cloudId]);
  const losers: { cloudId: string; want: string }[] = [];
  for (const [want, ids] of groups) {
    ids.sort(byCode);
    out.set(ids[0], want);
    for (const id of ids.slice(1)) losers.push({ cloudId: id, want });
  }
  losers.sort((a, b) => byCode(a.cloudId, b.cloudId));
  for (const l of losers) {
    const chars = l.cloudId.toLowerCase().replace(/[^a-z0-9]/g, "") || "x";
    let chosen: string | undefined;
    for (const n of [6, 8, 12, 20, chars.length]) {
      const candidate = withSuffix(l.want, `_${chars.slice(-n)}`);
      if (!taken.has(candidate) && !handleProblem(candidate)) {
        chosen = candidate;
        break;
      }
    }
    for (let k = 2; chosen === undefined; k++) {
      const candidate = withSuffix(l.want, `_${chars.slice(-6)}_${k}`);
      if (!taken.has(candidate) && !handleProblem(candidate)) chosen = candidate;
    }
    taken.add(chosen);
    out.set(l.cloudId, chosen);
  }
  return out;
}

/** The mirror a snapshot asks for (SPEC §6.2). Check `problems` before using the rest. */
export function computeMirror(snapshot: HierarchySnapshot, options: MirrorOptions): Mirror {
  const problems = hierarchyProblems(snapshot);
  if (problems.length) return { folders: [], leaves: [], problems };
  const byId = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const excluded = new Set(options.exclude ?? []);
  // depth of each node, and whether it or a node above it is excluded
  const depth = new Map<string, number>();
  const out = new Set<string>();
  // iterative, so a deep chain of nodes cannot overflow the stack
  const visit = (start: string) => {
    const walk: string[] = [];
    for (let id: string | null = start; id !== null && !depth.has(id); id = byId.get(id)!.parentId) walk.push(id);
    for (const id of walk.reverse()) {
      const node = byId.get(id)!;
      depth.set(id, node.parentId === null ? 0 : depth.get(node.parentId)! + 1);
      if (excluded.has(id) || (node.parentId !== null && out.has(node.parentId))) out.add(id);
    }
  };
  for (const id of byId.keys()) visit(id);
  const kept = snapshot.nodes.filter((n) => !out.has(n.id));

  const folders = kept
    .filter((n) => n.kind === "folder")
    .sort((a, b) => depth.get(a.id)! - depth.get(b.id)! || byCode(a.id, b.id))
    .map((n): MirrorFolder => ({ cloudId: n.id, title: n.name.trim().slice(0, 255), parentCloudId: n.parentId }));

  const prefix = options.handlePrefix ?? DEFAULT_HANDLE_PREFIXES[snapshot.cloud];
  const leafNodes = kept.filter((n) => n.kind === "leaf").sort((a, b) => byCode(a.id, b.id));
  const handles = assignHandles(leafNodes.map((n) => ({ cloudId: n.id, want: baseHandle(prefix, n.name.trim()) })));
  const leaves: MirrorLeaf[] = [];
  for (const n of leafNodes) {
    const name = n.name.trim();
    const config = fillTemplate(options.connection.config, { id: n.id, name }) as Record<string, unknown>;
    const bad = configProblems(options.connection.plugin, config);
    if (bad.length) problems.push({ nodeId: n.id, problem: `the connection template makes an invalid ${options.connection.plugin} config for leaf "${n.id}": ${bad.join("; ")}` });
    leaves.push({ cloudId: n.id, title: name.slice(0, 255), handle: handles.get(n.id)!, parentCloudId: n.parentId, plugin: options.connection.plugin, config });
  }
  return { folders, leaves, problems };
}
