import * as pulumi from "@pulumi/pulumi";
import type { HierarchySnapshot } from "../contract/hierarchy-types";
import { SwitchyardResource } from "./shim";

export interface IntegrationArgs {
  /** The tenant or organization that owns the integration (tnt_… or org_…). Changing it replaces the integration. */
  scopeId: pulumi.Input<string>;
  /** aws, azure or gcp. Changing it replaces the integration. */
  type: pulumi.Input<"aws" | "azure" | "gcp">;
  /** Unique among the tenant's integrations (organizations' included). Changing it replaces the integration. */
  handle: pulumi.Input<string>;
  /** Free text; the handle when omitted. Also the title of its root folder. */
  title?: pulumi.Input<string>;
  /**
   * `{ connection: { plugin?, config }, handlePrefix?, exclude?, maxDeleteFraction? }` (SPEC §6.3):
   * the connection template, whose secret fields stay secret in state and outputs.
   */
  config: pulumi.Input<{
    connection: pulumi.Input<{ plugin?: pulumi.Input<string>; config: pulumi.Input<Record<string, pulumi.Input<unknown>>> }>;
    handlePrefix?: pulumi.Input<string>;
    exclude?: pulumi.Input<pulumi.Input<string>[]>;
    maxDeleteFraction?: pulumi.Input<number>;
  }>;
  /** A folder of the same scope to mirror under. Changing it replaces the integration. */
  parentFolderId?: pulumi.Input<string>;
  /** A hierarchy snapshot (SPEC §6.1), pushed with a sync on create and whenever it changes. */
  snapshot?: pulumi.Input<HierarchySnapshot>;
  /** Let this resource's syncs delete more than `maxDeleteFraction` of the mirror (default false). */
  allowMassDelete?: pulumi.Input<boolean>;
  /** Manage an integration made outside Pulumi (int_…) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/**
 * A service-side mirror of a cloud hierarchy (SPEC §6.3): the service owns the folders and
 * connections below `rootFolderId` and reconciles them from each snapshot this resource pushes.
 * Deleting it deletes everything it manages (their schemas leave every workspace).
 */
export class Integration extends SwitchyardResource {
  declare readonly scopeId: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly handle: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly config: pulumi.Output<Record<string, unknown>>;
  declare readonly parentFolderId: pulumi.Output<string | undefined>;
  /** The folder the integration made at its scope, holding the mirror: grant and attach it. */
  declare readonly rootFolderId: pulumi.Output<string>;
  /** The last sync: `{ at, by, summary: { create, update, move, rename, delete, unchanged }, snapshotHash }`, or null. */
  declare readonly lastSync: pulumi.Output<{ at: string; by: string; summary: Record<string, number>; snapshotHash: string } | null>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: IntegrationArgs, opts?: pulumi.CustomResourceOptions) {
    const computed = { title: undefined, parentFolderId: undefined, rootFolderId: undefined, lastSync: undefined, version: undefined, createdAt: undefined, updatedAt: undefined };
    super("integration", "Integration", name, { ...computed, ...args }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["config"] }));
  }
}
