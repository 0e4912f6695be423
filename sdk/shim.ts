import type * as pulumi from "@pulumi/pulumi";
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
