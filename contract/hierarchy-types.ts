/**
 * The hierarchy snapshot's types (SPEC §6.1) without zod: what the SDK's public declarations name.
 * A program's type-check (ts-node, on every `pulumi preview` and `up`) then never loads zod's ~95
 * declaration files (about 1 s per run; docs/pulumi-performance.md). contract/hierarchy.ts holds
 * the schema and checks at compile time that it describes exactly these types.
 */
export const CLOUDS = ["aws", "azure", "gcp"] as const;
export type Cloud = (typeof CLOUDS)[number];

export const NODE_KINDS = ["folder", "leaf"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export interface HierarchyNode {
  /** The cloud's stable id: AWS root/OU/account id, Azure management group or subscription id, GCP `folders/…`, `organizations/…` or project id. */
  id: string;
  kind: NodeKind;
  name: string;
  /** Another node's id, or null for the top of the tree. */
  parentId: string | null;
  /** The cloud's own extra fields (account email and status, subscription state, …). */
  meta?: Record<string, unknown>;
}

export interface HierarchySnapshot {
  cloud: Cloud;
  nodes: HierarchyNode[];
}

export interface HierarchyProblem {
  /** The id of the node at fault. */
  nodeId: string;
  problem: string;
}
