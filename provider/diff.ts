import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Diffs that tell the engine exactly what changes (SPEC §9): each changed property with its kind,
 * whether it replaces, and whether the old object must go before the new one is made.
 *
 * During a preview an input that comes from a resource not created yet is an unknown value, the
 * sentinel below (exported by `@pulumi/pulumi/runtime/rpc`, which dynamic providers receive in
 * place of the value). An unknown counts as a change of its property: the plan shows the update
 * or the replacement that the property decides, and the real diff runs again once it is known.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** True when the value, or anything inside it, is not known yet. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (typeof v !== "object" || v === null) return false;
  return Object.values(v).some(containsUnknown);
}

/** Structural equality of JSON values, where an undefined member is the same as a missing one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export type ChangeKind = "add" | "delete" | "update";
export interface PropertyChange {
  kind: ChangeKind;
  replace: boolean;
}
export type DetailedDiff = Record<string, PropertyChange>;

const absent = (v: unknown) => v === undefined || v === null;

/** How one property changes between the state and the new inputs, or undefined when it does not. */
export function propertyChange(old: unknown, next: unknown, replace: boolean): PropertyChange | undefined {
  if (!containsUnknown(next) && deepEqual(old ?? null, next ?? null)) return undefined;
  const kind: ChangeKind = absent(old) && !absent(next) ? "add" : !absent(old) && absent(next) ? "delete" : "update";
  return { kind, replace };
}

export interface DiffSpec {
  /** Properties whose change replaces the object. */
  replaces: string[];
  /** Properties that change in place. */
  updates: string[];
}

/** Compares the given properties of the state (`olds`) and the new inputs (`news`). */
export function detailedDiff(olds: Record<string, unknown>, news: Record<string, unknown>, spec: DiffSpec): DetailedDiff {
  const out: DetailedDiff = {};
  for (const [props, replace] of [[spec.replaces, true], [spec.updates, false]] as const) {
    for (const p of props) {
      const change = propertyChange(olds[p], news[p], replace);
      if (change) out[p] = change;
    }
  }
  return out;
}

/**
 * The answer of a provider's `diff`. `deleteBeforeReplace` says whether a replacement's new object
 * would collide with the old one; the engine uses it for any replacement, also one asked for with
 * `pulumi up --replace`, so it is computed whether or not a property changed.
 */
export function diffResult(detail: DetailedDiff, deleteBeforeReplace: boolean, stables: string[] = []): pulumi.dynamic.DiffResult {
  const replaces = Object.keys(detail).filter((p) => detail[p].replace);
  const changed = Object.keys(detail).length > 0;
  const result: pulumi.dynamic.DiffResult = {
    replaces,
    stables: stables.filter((p) => !(p in detail)),
    deleteBeforeReplace,
  };
  // The engine reads `changes` right before it fills in its answer: that is when the detailed diff
  // is handed over (see forwardDetailedDiff), synchronously, so concurrent diffs cannot mix.
  Object.defineProperty(result, "changes", {
    enumerable: true,
    get() {
      pending = detail;
      return changed;
    },
  });
  return result;
}

let pending: DetailedDiff | undefined;

const KIND_CODES: Record<ChangeKind, [number, number]> = { add: [0, 1], delete: [2, 3], update: [4, 5] };

interface DiffResponseProto {
  setChanges(v: number): unknown;
  setDiffsList(v: string[]): unknown;
  setHasdetaileddiff(v: boolean): unknown;
  getDetaileddiffMap(): { set(k: string, v: unknown): unknown };
}

/**
 * `@pulumi/pulumi`'s dynamic-provider host answers a diff with `changes`, `replaces` and
 * `deleteBeforeReplace` only: it drops the detailed diff that `pulumi preview --diff` and the
 * JSON plan show (its `DiffResult` has no such field). When this code runs inside that host, its
 * `DiffResponse` is taught to carry the detailed diff handed over by `diffResult`, so every
 * property shows as an update or a replacement. Elsewhere (tests, programs) this does nothing.
 */
export function forwardDetailedDiff(): void {
  const host = require.main?.filename;
  if (!host || !/[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test(host)) return;
  let proto: { DiffResponse: { prototype: DiffResponseProto }; PropertyDiff: new () => { setKind(k: number): unknown } };
  try {
    proto = require(path.join(path.dirname(host), "..", "..", "proto", "provider_pb.js"));
  } catch {
    return; // another layout: previews still work, without per-property kinds
  }
  const prototype = proto.DiffResponse.prototype as DiffResponseProto & { __switchyardDetailed?: boolean };
  if (prototype.__switchyardDetailed) return;
  const setChanges = prototype.setChanges;
  prototype.setChanges = function (this: DiffResponseProto, v: number) {
    const detail = pending;
    pending = undefined;
    if (detail) {
      const map = this.getDetaileddiffMap();
      for (const [p, change] of Object.entries(detail)) {
        const d = new proto.PropertyDiff();
        d.setKind(KIND_CODES[change.kind][change.replace ? 1 : 0]);
        map.set(p, d);
      }
      this.setDiffsList(Object.keys(detail));
      this.setHasdetaileddiff(true);
    }
    return setChanges.call(this, v);
  };
  prototype.__switchyardDetailed = true;
}
