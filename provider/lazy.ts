import type * as pulumi from "@pulumi/pulumi";

/** The kinds of dynamic resources, each with its provider in provider/<kind>.ts. */
export type ProviderKind = "connection" | "folder" | "grant" | "attachment" | "organization" | "workspace" | "member" | "integration";

/**
 * A provider that loads the real one (`switchyard/provider/<kind>`) when an operation runs, so
 * that the program never loads it and the dynamic-provider host loads it once.
 *
 * Each kind's lazy provider is the whole export of its own module (provider/entries/<kind>.ts).
 * @pulumi/pulumi serialises a provider that is a module of an installed package as a `require` of
 * that module, so every resource's `__provider` is about 250 characters, not a copy of each
 * method's source (2,191 characters for the earlier shim, written twice into each resource's
 * state). It captures nothing but the module's name — no client, token or settings
 * (pulumi/pulumi#6987, #13960) — and upgrading the package upgrades the provider.
 *
 * Which name the `require` uses depends on @pulumi/pulumi: 3.276 maps the file back through
 * package.json `exports` (`switchyard/provider/entries/connection`); 3.248 looks for package.json
 * at the first occurrence of "switchyard" in the file's path, so in a folder such as
 * `~/switchyard-infra/node_modules/switchyard/…` it misses and keeps the file's own path
 * (`switchyard/dist/provider/entries/connection.js`). package.json exports both names.
 */
export function lazyProvider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  // By package name, not a relative path: correct too if Pulumi ever serialises this by value.
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
