import type * as pulumi from "@pulumi/pulumi";
import { ID_PREFIXES, isId, type IdKind } from "../contract/ids";
import type * as Client from "./client";
import { deepEqual, forwardDetailedDiff, isUnknown } from "./diff";

export { deepEqual };
import { configureFrom } from "./settings";

/**
 * Shared pieces of the dynamic providers: the client, input checks and diff helpers. Every check
 * lets a value that is not known yet pass (an output of a resource a preview has not created): it
 * is checked again once it is known.
 */
forwardDetailedDiff();

/**
 * The HTTP client's module (axios and its dependencies) is loaded on the first call to the service,
 * not when the provider is: a no-change preview only checks and diffs, and never needs it
 * (docs/pulumi-performance.md).
 */
function clientModule(): typeof Client {
  return require("./client") as typeof Client;
}

const isNotFound = (err: unknown) => clientModule().isNotFound(err);

let client: Client.SwitchyardClient | undefined;
export function api(): Client.SwitchyardClient {
  client ??= clientModule().SwitchyardClient.fromEnvironment();
  return client;
}

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  configureFrom(req.config);
  client = undefined;
}

export type Failures = pulumi.dynamic.CheckFailure[];

export function requireId(failures: Failures, inputs: Record<string, unknown>, property: string, ...kinds: IdKind[]): void {
  const v = inputs[property];
  if (isUnknown(v)) return;
  if (typeof v !== "string" || !kinds.some((k) => isId(k, v))) {
    const expected = kinds.map((k) => `${ID_PREFIXES[k]}_…`).join(" or ");
    failures.push({ property, reason: `${property} must be an id of the form ${expected}${v === undefined ? " (it is missing)" : `, got ${JSON.stringify(v)}`}` });
  }
}

export function optionalId(failures: Failures, inputs: Record<string, unknown>, property: string, kind: IdKind): void {
  if (inputs[property] !== undefined && inputs[property] !== null) requireId(failures, inputs, property, kind);
}

export function optionalString(failures: Failures, inputs: Record<string, unknown>, property: string, max: number, check?: (v: string) => string | undefined): void {
  const v = inputs[property];
  if (v === undefined || v === null || isUnknown(v)) return;
  if (typeof v !== "string") failures.push({ property, reason: `${property} must be a string` });
  else if (v.length > max) failures.push({ property, reason: `${property} must be at most ${max} characters` });
  else {
    const problem = check?.(v);
    if (problem) failures.push({ property, reason: `${property} ${problem}` });
  }
}

/** The URL segment of a scope id: tenants/…, orgs/… or workspaces/…. */
export function scopePath(scopeId: string): string {
  const kind = scopeId.startsWith("tnt_") ? "tenants" : scopeId.startsWith("org_") ? "orgs" : "workspaces";
  return `${kind}/${scopeId}`;
}

/**
 * Whether a replacement's new object could collide with the old one: every identity property is
 * the same, or not known yet. Such a replacement deletes the old object first.
 */
export function mayCollide(olds: Record<string, unknown>, news: Record<string, unknown>, identity: string[]): boolean {
  return identity.every((p) => isUnknown(news[p]) || deepEqual(olds[p] ?? null, news[p] ?? null));
}

/** Drops undefined values, which Pulumi state cannot hold. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Adoption of an object made outside Pulumi (`adoptId`): the dynamic-provider host cannot serve
 * `pulumi import` (it needs the provider's code, which only the program has), so a resource
 * given `adoptId` takes over that object on create instead of making a new one. Identity
 * properties must match; the rest is then brought to the program's values.
 */
export async function adopt<V extends Record<string, unknown>>(kind: string, path: string, adoptId: string, identity: Record<string, unknown>): Promise<V> {
  let view: V;
  try {
    view = (await api().get<V>(path)).body;
  } catch (err) {
    if ((err as { status?: number }).status === 404) throw new Error(`adoptId: no ${kind} ${adoptId} exists that this token can see; check the id, or remove adoptId to create a new one`);
    throw err;
  }
  for (const [property, wanted] of Object.entries(identity)) {
    if ((view[property] ?? null) !== (wanted ?? null)) {
      throw new Error(`adoptId: ${kind} ${adoptId} has ${property} ${JSON.stringify(view[property])}, but the program says ${JSON.stringify(wanted)}; ${property} cannot change in place`);
    }
  }
  return view;
}

/** `read` of an object by its path: `undefined` when it is gone (Pulumi then drops it from state). */
export async function getOrGone<V>(path: string): Promise<V | undefined> {
  try {
    return (await api().get<V>(path)).body;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** `delete` of an object by its path: one that is already gone counts as deleted. */
export async function deleteIfPresent(path: string, query?: Record<string, string>): Promise<void> {
  try {
    await api().delete(path, query);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
