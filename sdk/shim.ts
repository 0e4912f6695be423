import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider object Pulumi serialises into state: a thin shim that loads the real
 * implementation from the installed `switchyard` package when an operation runs. It captures
 * nothing but the module's name — no client, token or settings (pulumi/pulumi#6987, #13960) —
 * so state stays small and upgrading the package upgrades the provider.
 */
export function providerShim(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  // One object per kind: @pulumi/pulumi caches a provider's serialised form per object, so every
  // resource of a kind shares one serialisation instead of making its own.
  let shim = shims.get(kind);
  if (!shim) shims.set(kind, (shim = makeShim(kind)));
  return shim;
}

/** The dynamic resources' module; chosen once, since renaming it would force aliases. */
export const MODULE = "switchyard";

export type ProviderKind = "connection" | "folder" | "grant" | "attachment" | "organization" | "workspace" | "member" | "integration";

const shims = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

function makeShim(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const moduleName = `switchyard/provider/${kind}`;
  const load = (): pulumi.dynamic.ResourceProvider => require(moduleName).provider;
  return {
    configure: (req) => load().configure!(req),
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
}
