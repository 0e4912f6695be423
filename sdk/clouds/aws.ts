import type { Account, OrganizationalUnit, OrganizationsClient, OrganizationsClientConfig, Root } from "@aws-sdk/client-organizations";
import type { HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy-types";
import { CloudAccessError, field, isArray, isObject, toSnapshot, walk } from "./common";

/**
 * AWS Organizations: the root and organizational units are folders, accounts are leaves.
 * Closed accounts (Status SUSPENDED or PENDING_CLOSURE, State SUSPENDED, PENDING_CLOSURE or
 * CLOSED) are left out unless `includeClosed` is set: an account AWS is closing should leave the
 * mirror rather than keep a connection nobody can use.
 */
export interface ReadOrganizationOptions {
  /** Keep closed accounts as leaves (their state is in `meta.status` / `meta.state`). */
  includeClosed?: boolean;
  /** Settings of the Organizations client (region, credentials, maxAttempts, endpoint…). */
  clientConfig?: AwsClientConfig;
  /** An `OrganizationsClient` of your own; `clientConfig` is then ignored. */
  client?: OrganizationsClientLike;
  /** How many parents are listed at once (default 4: Organizations throttles early). */
  concurrency?: number;
  /** Attempts per call (default 10) and the base of their exponential backoff (default 500 ms). */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
}

/**
 * The `OrganizationsClientConfig` of `@aws-sdk/client-organizations`, passed through as is. The
 * SDK's own types are not named in this package's declarations: a program that imports
 * `switchyard` would otherwise make TypeScript load the AWS SDK's declarations on every run
 * (docs/pulumi-performance.md).
 */
export interface AwsClientConfig {
  region?: string;
  credentials?: unknown;
  maxAttempts?: number;
  endpoint?: string;
  [setting: string]: unknown;
}

/** An `OrganizationsClient` of `@aws-sdk/client-organizations`. */
export interface OrganizationsClientLike {
  send(command: never, ...rest: never[]): Promise<unknown>;
}

const PERMISSIONS = "organizations:ListRoots, organizations:ListOrganizationalUnitsForParent and organizations:ListAccountsForParent";
const CLOSED = new Set(["SUSPENDED", "PENDING_CLOSURE", "CLOSED"]);

/**
 * Reads the whole organization with the AWS SDK's usual credential chain, following every page.
 * Throttling (TooManyRequestsException) is retried by the SDK's standard retry strategy.
 */
export async function readOrganization(opts: ReadOrganizationOptions = {}): Promise<HierarchySnapshot> {
  const sdk = await import("@aws-sdk/client-organizations");
  const { ConfiguredRetryStrategy } = await import("@smithy/core/retry");
  const base = opts.retry?.baseDelayMs ?? 500;
  // The SDK's standard retry (throttling and transient errors), with a backoff of our choosing.
  const retryStrategy = new ConfiguredRetryStrategy(opts.retry?.maxAttempts ?? 10, (attempt) => Math.min(base * 2 ** attempt, 20_000));
  // Organizations is served from us-east-1 whatever the caller's region.
  const client = (opts.client as OrganizationsClient | undefined) ?? new sdk.OrganizationsClient({ region: "us-east-1", retryStrategy, ...(opts.clientConfig as OrganizationsClientConfig | undefined) });
  const pages = { client, pageSize: 20 };
  const roots: Root[] = [];
  await denied("ListRoots", async () => {
    for await (const page of sdk.paginateListRoots(pages, {})) roots.push(...(page.Roots ?? []));
  });
  const nodes = await walk(roots.map(rootNode), opts.concurrency ?? 4, async (parentId) => {
    const found: HierarchyNode[] = [];
    await denied("ListOrganizationalUnitsForParent", async () => {
      for await (const page of sdk.paginateListOrganizationalUnitsForParent(pages, { ParentId: parentId })) {
        for (const ou of page.OrganizationalUnits ?? []) found.push(ouNode(ou, parentId));
      }
    });
    await denied("ListAccountsForParent", async () => {
      for await (const page of sdk.paginateListAccountsForParent(pages, { ParentId: parentId })) {
        for (const account of page.Accounts ?? []) if (opts.includeClosed || !isClosed(account)) found.push(accountNode(account, parentId));
      }
    });
    return found;
  });
  return toSnapshot("aws", nodes);
}

async function denied(call: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const name = (err as Error).name;
    if (name === "AccessDeniedException" || name === "AccessDenied") {
      throw new CloudAccessError("aws", call, `organizations:${call}`, `AWS Organizations ${call} was denied (${(err as Error).message}): the caller needs organizations:${call}. Run from the management account or a delegated administrator whose policy allows ${PERMISSIONS}.`);
    }
    if (name === "AWSOrganizationsNotInUseException") {
      throw new Error(`AWS Organizations ${call}: this account is not in an organization. Use credentials of the organization's management account or of a delegated administrator.`);
    }
    throw err;
  }
}

function rootNode(root: Root): HierarchyNode {
  return { id: root.Id!, kind: "folder", name: root.Name ?? "Root", parentId: null, meta: { arn: root.Arn } };
}

function ouNode(ou: OrganizationalUnit, parentId: string): HierarchyNode {
  return { id: ou.Id!, kind: "folder", name: ou.Name ?? ou.Id!, parentId, meta: { arn: ou.Arn } };
}

function isClosed(account: Pick<Account, "Status" | "State">): boolean {
  return CLOSED.has(String(account.Status ?? "")) || CLOSED.has(String(account.State ?? ""));
}

function accountNode(account: Account, parentId: string): HierarchyNode {
  const joined = account.JoinedTimestamp as Date | string | undefined;
  const meta: Record<string, unknown> = { email: account.Email, status: account.Status, arn: account.Arn, joinedMethod: account.JoinedMethod };
  if (account.State) meta.state = account.State;
  if (joined) meta.joinedTimestamp = joined instanceof Date ? joined.toISOString() : new Date(joined).toISOString();
  return { id: account.Id!, kind: "leaf", name: account.Name ?? account.Id!, parentId, meta };
}

/**
 * Builds a snapshot from the export documented in docs/mirroring.md: the AWS CLI's
 * `list-roots` output, and per parent id the `list-organizational-units-for-parent` and
 * `list-accounts-for-parent` outputs:
 * `{ "Roots": [...], "Parents": { "<parent id>": { "OrganizationalUnits": [...], "Accounts": [...] } } }`.
 */
export function fromCliExport(exported: unknown, opts: Pick<ReadOrganizationOptions, "includeClosed"> = {}): HierarchySnapshot {
  const where = "AWS export";
  const roots = field(where, exported, "Roots", isArray) as Root[];
  const parents = field(where, exported, "Parents", isObject);
  const nodes: HierarchyNode[] = roots.map((root) => rootNode(check(root, "Roots[]")));
  // Walk from the roots so an OU listed under a parent nobody reaches is not mistaken for a top.
  for (let i = 0; i < nodes.length; i++) {
    const parent = nodes[i];
    if (parent.kind !== "folder") continue;
    const listed = parents[parent.id];
    if (listed === undefined) throw new Error(`${where}: Parents has no entry for ${parent.id}; the export stopped before this parent was listed`);
    const ous = field(`${where} Parents.${parent.id}`, listed, "OrganizationalUnits", isArray) as OrganizationalUnit[];
    const accounts = field(`${where} Parents.${parent.id}`, listed, "Accounts", isArray) as Account[];
    for (const ou of ous) nodes.push(ouNode(check(ou, `Parents.${parent.id}.OrganizationalUnits[]`), parent.id));
    for (const account of accounts) {
      if (opts.includeClosed || !isClosed(account)) nodes.push(accountNode(check(account, `Parents.${parent.id}.Accounts[]`), parent.id));
    }
  }
  return toSnapshot("aws", nodes);
}

function check<T extends { Id?: string }>(item: T, where: string): T {
  if (!isObject(item) || typeof item.Id !== "string" || item.Id === "") throw new Error(`AWS export: an entry of ${where} has no "Id"`);
  return item;
}
