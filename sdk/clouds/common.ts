import { hierarchySnapshotSchema } from "../../contract/hierarchy";
import type { Cloud, HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy-types";

/**
 * A cloud refused to show part of its hierarchy. The message names the API call, the
 * permission it needs and what to do next, so a reader that lost access never looks like an
 * empty estate.
 */
export class CloudAccessError extends Error {
  constructor(
    readonly cloud: Cloud,
    readonly call: string,
    readonly permission: string,
    message: string,
  ) {
    super(message);
    this.name = "CloudAccessError";
  }
}

/** Checks a tree a reader or an export parser built against the snapshot contract (SPEC §6.1). */
export function toSnapshot(cloud: Cloud, nodes: HierarchyNode[]): HierarchySnapshot {
  const parsed = hierarchySnapshotSchema.safeParse({ cloud, nodes });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the ${cloud} hierarchy does not fit a snapshot: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Walks a tree breadth first from its top, one level at a time, listing the children of up to
 * `limit` folders at once. `children` answers the folder and leaf nodes directly below one folder.
 */
export async function walk(top: HierarchyNode[], limit: number, children: (folderId: string) => Promise<HierarchyNode[]>): Promise<HierarchyNode[]> {
  const nodes = [...top];
  let level = top.filter((n) => n.kind === "folder").map((n) => n.id);
  while (level.length > 0) {
    const found = (await mapLimit(level, limit, children)).flat();
    nodes.push(...found);
    level = found.filter((n) => n.kind === "folder").map((n) => n.id);
  }
  return nodes;
}

/** The value at `key` of a parsed JSON object, or a clear error naming the export and the key. */
export function field<T>(where: string, value: unknown, key: string, check: (v: unknown) => v is T): T {
  const v = isObject(value) ? value[key] : undefined;
  if (!check(v)) throw new Error(`${where}: "${key}" is missing or has the wrong type`);
  return v;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
export const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/**
 * Orders nodes so that every parent comes before its children (a stable sort by depth), for
 * APIs that list a subtree in no particular order. Nodes whose parent is absent keep depth 0.
 */
export function topDown(nodes: HierarchyNode[]): HierarchyNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const depthOf = (n: HierarchyNode, seen: Set<string>): number => {
    const known = depth.get(n.id);
    if (known !== undefined) return known;
    const parent = n.parentId === null ? undefined : byId.get(n.parentId);
    // A cycle is left for the snapshot checks to name; here it only stops the recursion.
    const d = parent && !seen.has(parent.id) ? depthOf(parent, seen.add(n.id)) + 1 : 0;
    depth.set(n.id, d);
    return d;
  };
  return nodes.map((n, i) => ({ n, i, d: depthOf(n, new Set()) })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.n);
}
