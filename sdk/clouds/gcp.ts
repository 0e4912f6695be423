import type { FoldersClient, protos } from "@google-cloud/resource-manager";
import type { HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy-types";
import { CloudAccessError, isObject, isString, toSnapshot, walk } from "./common";

type ClientOptions = NonNullable<ConstructorParameters<typeof FoldersClient>[0]>;

/**
 * The client options of `@google-cloud/resource-manager`, passed through as is. Google's own types
 * are not named in this package's declarations, so that TypeScript does not load them for every
 * program (docs/pulumi-performance.md).
 */
export interface GcpClientOptions {
  credentials?: object;
  keyFilename?: string;
  apiEndpoint?: string;
  projectId?: string;
  authClient?: unknown;
  [option: string]: unknown;
}
type Folder = protos.google.cloud.resourcemanager.v3.IFolder;
type Project = protos.google.cloud.resourcemanager.v3.IProject;

/** Google Cloud: the organization and folders are folders, projects are leaves. */
export interface ReadFoldersOptions {
  /** Where to start: `organizations/123…` or `folders/456…`. */
  parent: string;
  /** Keep projects that are not ACTIVE (DELETE_REQUESTED…); their state is in `meta.state`. */
  includeClosed?: boolean;
  /**
   * Options of the Resource Manager clients: `authClient`, `credentials`, `keyFilename`,
   * `apiEndpoint`… The clients speak REST (`fallback: true`); application default credentials
   * are used unless you give others.
   */
  clientOptions?: GcpClientOptions;
  /** Backoff of the retries of throttled (429 RESOURCE_EXHAUSTED) and unavailable calls. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number; totalTimeoutMs?: number };
  /** How many folders are listed at once (default 4). */
  concurrency?: number;
}

const PERMISSIONS = "resourcemanager.organizations.get (or resourcemanager.folders.get), resourcemanager.folders.list and resourcemanager.projects.list";

/**
 * Reads the organization or folder given and every folder and project below it, recursively,
 * following every page (Resource Manager v3 over REST).
 */
export async function readFolders(opts: ReadFoldersOptions): Promise<HierarchySnapshot> {
  const top = opts?.parent ?? "";
  if (!/^(organizations|folders)\/\d+$/.test(top)) throw new Error(`readFolders: parent must be "organizations/<number>" or "folders/<number>", got "${top}"`);
  const rm = await import("@google-cloud/resource-manager");
  const call = callOptions(opts.retry);
  const folders = new rm.FoldersClient({ fallback: true, ...(opts.clientOptions as ClientOptions | undefined) });
  const projects = new rm.ProjectsClient({ fallback: true, ...(opts.clientOptions as ClientOptions | undefined) });
  try {
    let root: HierarchyNode;
    if (top.startsWith("organizations/")) {
      const organizations = new rm.OrganizationsClient({ fallback: true, ...(opts.clientOptions as ClientOptions | undefined) });
      const [org] = await denied("organizations.get", "resourcemanager.organizations.get", () => organizations.getOrganization({ name: top }, call));
      await organizations.close();
      root = { id: top, kind: "folder", name: org.displayName || top, parentId: null, meta: { state: org.state, directoryCustomerId: org.directoryCustomerId } };
    } else {
      const [folder] = await denied("folders.get", "resourcemanager.folders.get", () => folders.getFolder({ name: top }, call));
      root = { ...folderNode(folder), parentId: null };
    }
    const nodes = await walk([root], opts.concurrency ?? 4, async (parent) => {
      const found: HierarchyNode[] = [];
      await denied("folders.list", "resourcemanager.folders.list", async () => {
        for await (const f of folders.listFoldersAsync({ parent }, { ...call, autoPaginate: false })) found.push(folderNode(f));
      });
      await denied("projects.list", "resourcemanager.projects.list", async () => {
        for await (const p of projects.listProjectsAsync({ parent }, { ...call, autoPaginate: false })) if (opts.includeClosed || p.state === "ACTIVE") found.push(projectNode(p));
      });
      return found;
    });
    return toSnapshot("gcp", nodes);
  } finally {
    await Promise.all([folders.close(), projects.close()]);
  }
}

/**
 * Call options that retry throttled (RESOURCE_EXHAUSTED, HTTP 429) and unavailable calls with
 * exponential backoff. Both code families are listed: over REST, google-gax 5 reports the HTTP
 * status in `err.code` (googleapis/gax-nodejs#1803), over gRPC the gRPC status.
 */
function callOptions(retry: ReadFoldersOptions["retry"] = {}) {
  return {
    retry: {
      retryCodes: [8, 14, 4, 429, 502, 503, 504],
      backoffSettings: {
        initialRetryDelayMillis: retry.initialDelayMs ?? 1000,
        retryDelayMultiplier: 2,
        maxRetryDelayMillis: retry.maxDelayMs ?? 60_000,
        initialRpcTimeoutMillis: 60_000,
        rpcTimeoutMultiplier: 1,
        maxRpcTimeoutMillis: 60_000,
        totalTimeoutMillis: retry.totalTimeoutMs ?? 600_000,
      },
    },
  };
}

async function denied<T>(call: string, permission: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const { code, status } = err as { code?: unknown; status?: unknown };
    // gRPC 7 PERMISSION_DENIED and 16 UNAUTHENTICATED, or their HTTP statuses over REST.
    if ([7, 16, 401, 403].includes(Number(code)) || [401, 403].includes(Number(status))) {
      throw new CloudAccessError("gcp", call, permission, `Google Cloud Resource Manager ${call} was denied (${(err as Error).message}): the caller needs ${permission}. Grant it the Folder Viewer role (roles/resourcemanager.folderViewer) and Browser role (roles/browser) on the organization or folder read, which give ${PERMISSIONS}.`);
    }
    throw err;
  }
}

function folderNode(f: Folder): HierarchyNode {
  return { id: f.name!, kind: "folder", name: f.displayName || f.name!, parentId: f.parent ?? null, meta: { state: f.state } };
}

function projectNode(p: Project): HierarchyNode {
  return {
    id: p.projectId!,
    kind: "leaf",
    name: p.displayName || p.projectId!,
    parentId: p.parent ?? null,
    meta: { projectNumber: p.name?.replace(/^projects\//, ""), state: p.state, labels: p.labels ?? {} },
  };
}

/**
 * Builds a snapshot from the export documented in docs/mirroring.md:
 * `{ "organization": <gcloud organizations describe>, "folders": [<gcloud resource-manager folders list>…],
 * "projects": <gcloud projects list> }`, all with `--format=json`. Folders and projects outside
 * the organization's tree are ignored (gcloud projects list shows every project the caller sees).
 */
export function fromCliExport(exported: unknown, opts: Pick<ReadFoldersOptions, "includeClosed"> = {}): HierarchySnapshot {
  const where = "GCP export";
  if (!isObject(exported) || !isObject(exported.organization) || !Array.isArray(exported.folders) || !Array.isArray(exported.projects)) {
    throw new Error(`${where}: expected { "organization": {…}, "folders": [...], "projects": [...] } (see docs/mirroring.md)`);
  }
  const org = exported.organization;
  if (!isString(org.name) || !org.name.startsWith("organizations/")) throw new Error(`${where}: organization.name must be "organizations/<number>"`);
  const top: HierarchyNode = { id: org.name, kind: "folder", name: String(org.displayName || org.name), parentId: null, meta: { state: org.lifecycleState ?? org.state } };
  const below = new Map<string, HierarchyNode[]>();
  const add = (n: HierarchyNode) => below.set(n.parentId!, [...(below.get(n.parentId!) ?? []), n]);
  for (const f of exported.folders) {
    if (!isObject(f) || !isString(f.name) || !isString(f.parent)) throw new Error(`${where}: a folder has no "name" or "parent": ${JSON.stringify(f)}`);
    add({ id: f.name, kind: "folder", name: String(f.displayName || f.name), parentId: f.parent, meta: { state: f.lifecycleState ?? f.state } });
  }
  for (const p of exported.projects) {
    if (!isObject(p) || !isString(p.projectId)) throw new Error(`${where}: a project has no "projectId": ${JSON.stringify(p)}`);
    const state = p.lifecycleState ?? p.state;
    if (!opts.includeClosed && state !== "ACTIVE") continue;
    const parentId = projectParent(p.parent);
    if (!parentId) continue; // a project outside any organization
    const number = p.projectNumber ?? (isString(p.name) && p.name.startsWith("projects/") ? p.name.slice(9) : undefined);
    // gcloud projects list (v1) calls the display name `name`; v3 calls it `displayName`.
    const name = isString(p.displayName) ? p.displayName : isString(p.name) && !p.name.startsWith("projects/") ? p.name : p.projectId;
    add({ id: p.projectId, kind: "leaf", name, parentId, meta: { projectNumber: number, state, labels: p.labels ?? {} } });
  }
  const nodes = [top];
  for (let i = 0; i < nodes.length; i++) nodes.push(...(below.get(nodes[i].id) ?? []));
  return toSnapshot("gcp", nodes);
}

/** `{ "type": "folder", "id": "123" }` (v1) or `"folders/123"` (v3) as `folders/123`. */
function projectParent(parent: unknown): string | null {
  if (isString(parent)) return parent;
  if (isObject(parent) && isString(parent.type) && isString(parent.id)) return `${parent.type === "folder" ? "folders" : "organizations"}/${parent.id}`;
  return null;
}
