import type { DescendantInfo, ManagementGroupChildInfo, ManagementGroupsAPI, ManagementGroupsAPIOptionalParams } from "@azure/arm-managementgroups";
import type { HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy-types";
import { CloudAccessError, field, isString, toSnapshot, topDown } from "./common";

/**
 * What `@azure/identity` credentials implement (DefaultAzureCredential, a test double…): the
 * `TokenCredential` of `@azure/core-auth`. Azure's own types are not named in this package's
 * declarations, so that TypeScript does not load them for every program (docs/pulumi-performance.md).
 */
export interface TokenCredential {
  getToken(scopes: string | string[], options?: object): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** The `ManagementGroupsAPIOptionalParams` of `@azure/arm-managementgroups`, passed through as is. */
export interface AzureClientOptions {
  endpoint?: string;
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  [option: string]: unknown;
}

/** Azure: management groups are folders, subscriptions are leaves. */
export interface ReadManagementGroupsOptions {
  /** The management group to read below; the tenant root group's id is the tenant id. */
  rootGroupId: string;
  /** Defaults to `new DefaultAzureCredential()` (environment, workload identity, managed identity, az login…). */
  credential?: TokenCredential;
  /** Options of the ARM client: `endpoint`, `retryOptions` ({ maxRetries, retryDelayInMs, maxRetryDelayInMs })… */
  clientOptions?: AzureClientOptions;
}

const GROUP = "Microsoft.Management/managementGroups";
const SUBSCRIPTION = "/subscriptions";

/**
 * Reads the root group and all its descendants (`managementGroups.getDescendants`, every
 * page). 429 answers are retried after their Retry-After by the ARM pipeline's throttling retry.
 */
export async function readManagementGroups(opts: ReadManagementGroupsOptions): Promise<HierarchySnapshot> {
  if (!opts?.rootGroupId) throw new Error("readManagementGroups: rootGroupId is required (the tenant root group's id is the tenant id)");
  const { ManagementGroupsAPI } = await import("@azure/arm-managementgroups");
  const credential = opts.credential ?? new (await import("@azure/identity")).DefaultAzureCredential();
  const client = new ManagementGroupsAPI(credential as ConstructorParameters<typeof ManagementGroupsAPI>[0], {
    ...(opts.clientOptions as ManagementGroupsAPIOptionalParams | undefined),
    retryOptions: { maxRetries: 6, retryDelayInMs: 1000, maxRetryDelayInMs: 60_000, ...opts.clientOptions?.retryOptions },
  });
  const root = await denied("managementGroups.get", "Microsoft.Management/managementGroups/read", () => client.managementGroups.get(opts.rootGroupId));
  const nodes: HierarchyNode[] = [
    { id: root.name ?? opts.rootGroupId, kind: "folder", name: root.displayName || root.name || opts.rootGroupId, parentId: null, meta: { tenantId: root.tenantId } },
  ];
  await denied("managementGroups.getDescendants", "Microsoft.Management/managementGroups/descendants/read", async () => {
    for await (const d of client.managementGroups.listDescendants(opts.rootGroupId)) nodes.push(descendantNode(d));
  });
  return toSnapshot("azure", topDown(nodes));
}

async function denied<T>(call: string, permission: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 403 || status === 401) {
      throw new CloudAccessError("azure", call, permission, `Azure ${call} was denied (${status}: ${(err as Error).message}): the caller needs ${permission} on the root management group. Assign it the "Management Group Reader" role there (az role assignment create --role "Management Group Reader" --scope /providers/Microsoft.Management/managementGroups/<root>).`);
    }
    if (status === 404) throw new Error(`Azure ${call}: no management group with this id is visible to the caller; check rootGroupId (the tenant root group's id is the tenant id)`);
    throw err;
  }
}

/** The last segment of an ARM id: `/providers/Microsoft.Management/managementGroups/mg-a` is `mg-a`. */
function lastSegment(armId: string | undefined): string | null {
  if (!armId) return null;
  return armId.split("/").filter(Boolean).pop() ?? null;
}

function descendantNode(d: DescendantInfo): HierarchyNode {
  const id = d.name ?? lastSegment(d.id);
  if (!id) throw new Error(`Azure getDescendants answered an entry without a name or id: ${JSON.stringify(d)}`);
  const kind = d.type === SUBSCRIPTION || d.type?.endsWith("/subscriptions") ? "leaf" : "folder";
  return { id, kind, name: d.displayName || id, parentId: lastSegment(d.parent?.id), meta: { type: d.type } };
}

/**
 * Builds a snapshot from `az account management-group show --name <root> --expand --recurse -o json`:
 * the root group with its `children`, nested, where a child of type `/subscriptions` is a leaf.
 */
export function fromCliExport(exported: unknown): HierarchySnapshot {
  const where = "Azure export";
  const rootId = field(where, exported, "name", isString);
  const root = exported as ManagementGroupChildInfo & { tenantId?: string; type?: string };
  if (root.type !== GROUP) throw new Error(`${where}: the top must be a management group (type "${GROUP}"), got "${root.type}"; export with az account management-group show --name <root> --expand --recurse`);
  const nodes: HierarchyNode[] = [{ id: rootId, kind: "folder", name: root.displayName || rootId, parentId: null, meta: { tenantId: root.tenantId } }];
  const visit = (parentId: string, children: unknown) => {
    if (children == null) return;
    if (!Array.isArray(children)) throw new Error(`${where}: "children" of ${parentId} is not a list`);
    for (const child of children as ManagementGroupChildInfo[]) {
      const id = typeof child === "object" && child !== null ? (child.name ?? lastSegment(child.id)) : null;
      if (!id) throw new Error(`${where}: a child of ${parentId} has no "name"`);
      const leaf = child.type === SUBSCRIPTION || child.type?.endsWith("/subscriptions");
      nodes.push({ id, kind: leaf ? "leaf" : "folder", name: child.displayName || id, parentId, meta: { type: child.type } });
      if (!leaf) visit(id, child.children);
    }
  };
  visit(rootId, root.children);
  return toSnapshot("azure", nodes);
}
