import { z } from "zod";
import { CLOUDS, NODE_KINDS, type HierarchyNode, type HierarchyProblem, type HierarchySnapshot } from "./hierarchy-types";

/**
 * The hierarchy snapshot (SPEC §6.1): one JSON shape for every cloud's estate, produced by the
 * cloud readers, pushed to integrations and turned into resources by the mirror components.
 * Identity is the cloud's own id, never a name or a position.
 */
export { CLOUDS, NODE_KINDS };
export type { Cloud, HierarchyNode, HierarchyProblem, HierarchySnapshot, NodeKind } from "./hierarchy-types";

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

export const hierarchySnapshotSchema = z.strictObject({
  cloud: z.enum(CLOUDS),
  nodes: z.array(hierarchyNodeSchema).max(MAX_SNAPSHOT_NODES),
});

// The schema and the zod-free types must describe the same values: each line fails to compile if not.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const nodeTypesAgree: Same<z.infer<typeof hierarchyNodeSchema>, HierarchyNode> = true;
const snapshotTypesAgree: Same<z.infer<typeof hierarchySnapshotSchema>, HierarchySnapshot> = true;
void nodeTypesAgree;
void snapshotTypesAgree;

/**
 * What makes a snapshot unusable (SPEC §6.1), each naming the node: a repeated id, a parent that
 * is missing or is a leaf, a cycle, an empty name. Empty when the snapshot is a forest.
 */
export function hierarchyProblems(snapshot: Pick<HierarchySnapshot, "nodes">): HierarchyProblem[] {
  const problems: HierarchyProblem[] = [];
  const byId = new Map<string, HierarchyNode>();
  for (const node of snapshot.nodes) {
    if (byId.has(node.id)) problems.push({ nodeId: node.id, problem: `node id "${node.id}" appears more than once` });
    else byId.set(node.id, node);
    if (node.name.trim() === "") problems.push({ nodeId: node.id, problem: `node "${node.id}" has an empty name` });
  }
  for (const node of byId.values()) {
    if (node.parentId === null) continue;
    const parent = byId.get(node.parentId);
    if (!parent) problems.push({ nodeId: node.id, problem: `node "${node.id}" names parent "${node.parentId}", which is not in the snapshot` });
    else if (parent.kind === "leaf") problems.push({ nodeId: node.id, problem: `node "${node.id}" names parent "${node.parentId}", which is a leaf (only folders have children)` });
  }
  // A cycle: walking up from a node meets a node already on the walk. Each node is walked once.
  const state = new Map<string, "walking" | "done">();
  for (const start of byId.values()) {
    const walk: string[] = [];
    let id: string | null = start.id;
    while (id !== null && byId.has(id) && state.get(id) !== "done") {
      if (state.get(id) === "walking") {
        const cycle = walk.slice(walk.indexOf(id));
        const first = [...cycle].sort()[0];
        problems.push({ nodeId: first, problem: `nodes ${cycle.map((c) => `"${c}"`).join(" → ")} form a cycle through their parentId` });
        break;
      }
      state.set(id, "walking");
      walk.push(id);
      id = byId.get(id)!.parentId;
    }
    for (const w of walk) state.set(w, "done");
  }
  return problems;
}
