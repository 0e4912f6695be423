import { z } from "zod";

/**
 * The hierarchy snapshot (SPEC §6.1): one JSON shape for every cloud's estate, produced by the
 * cloud readers, pushed to integrations and turned into resources by the mirror components.
 * Identity is the cloud's own id, never a name or a position.
 */
export const CLOUDS = ["aws", "azure", "gcp"] as const;
export type Cloud = (typeof CLOUDS)[number];

export const NODE_KINDS = ["folder", "leaf"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Bounds that keep one snapshot to a size a single transaction can reconcile. */
export const MAX_SNAPSHOT_NODES = 20_000;

export const hierarchyNodeSchema = z.strictObject({
  /** The cloud's stable id: AWS root/OU/account id, Azure management group or subscription id, GCP `folders/…`, `organizations/…` or project id. */
  id: z.string().trim().min(1).max(255),
  kind: z.enum(NODE_KINDS),
  name: z.string().max(255),
  /** Another node's id, or null for the top of the tree. */
  parentId: z.string().trim().min(1).max(255).nullable(),
  /** The cloud's own extra fields (account email and status, subscription state, …). */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type HierarchyNode = z.infer<typeof hierarchyNodeSchema>;

export const hierarchySnapshotSchema = z.strictObject({
  cloud: z.enum(CLOUDS),
  nodes: z.array(hierarchyNodeSchema).max(MAX_SNAPSHOT_NODES),
});
export type HierarchySnapshot = z.infer<typeof hierarchySnapshotSchema>;
