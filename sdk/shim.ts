import * as pulumi from "@pulumi/pulumi";
import type { ProviderKind } from "../provider/lazy";

export type { ProviderKind };

/**
 * The provider object Pulumi serialises into state: the module `switchyard/provider/entries/<kind>`,
 * which loads the real implementation when an operation runs (provider/lazy.ts). Being a module
 * of an installed package, it is serialised as a `require` of that module, and, being one object
 * per kind, only once per kind (@pulumi/pulumi caches a provider's serialised form per object).
 */
export function providerShim(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  return require(`../provider/entries/${kind}`) as pulumi.dynamic.ResourceProvider;
}

/** The dynamic resources' module; chosen once, since renaming it would force aliases. */
export const MODULE = "switchyard";

/**
 * The base of the SDK's resources: a dynamic resource of type `switchyard:<type>` served by the
 * provider of its kind.
 *
 * It registers without capturing stacks for @pulumi/pulumi's promise-leak report. For each
 * property a resource registers, @pulumi/pulumi wraps four promises in `debuggablePromise`, and each
 * captures `new Error().stack`. In a TypeScript program, the vendored ts-node's source-map support
 * maps every frame of every one of them. That was most of a program's time: 1,000 connections
 * register 52,000 such stacks (docs/pulumi-performance.md). Those stacks are printed only when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set, and then they are kept. Not affected:
 * - the resource's source position, which @pulumi/pulumi captures with its own limit;
 * - an error that registration throws, whose stack is captured again at the constructor, so it
 *   shows the program's frames.
 */
export abstract class SwitchyardResource extends pulumi.dynamic.Resource {
  constructor(kind: ProviderKind, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    const limit = Error.stackTraceLimit;
    const quiet = !process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    if (quiet) Error.stackTraceLimit = 0;
    try {
      super(providerShim(kind), name, props, opts, MODULE, type);
    } catch (err) {
      Error.stackTraceLimit = limit;
      if (quiet && err instanceof Error) Error.captureStackTrace(err);
      throw err;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
