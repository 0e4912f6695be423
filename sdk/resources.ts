import * as pulumi from "@pulumi/pulumi";
import { pluginDefinition, secretFieldsOf } from "../contract/plugins";
import { SwitchyardResource } from "./shim";

/** True when the value is plain JSON (no output or promise inside), so it is known now. */
export function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v === "object" && v !== null) return Object.values(v).every(isPlain);
  return true;
}

/**
 * Whether a connection's config may hold a secret, so that its `config` output is kept secret.
 * Only a config known now, of a known plugin, with none of the plugin's secret fields (for
 * `custom`, no `{ value, secret: true }`) holds none: e.g. an AWS account reached through a role.
 * Anything else may: a secret field given in plain text, or any value still to come (an output,
 * which may be a secret).
 */
export function configMayHoldSecrets(plugin: unknown, config: unknown): boolean {
  if (typeof plugin !== "string" || !pluginDefinition(plugin)) return true;
  if (typeof config !== "object" || config === null || !isPlain(config)) return true;
  const fields = config as Record<string, unknown>;
  return secretFieldsOf(plugin, fields).some((f) => f in fields);
}

export interface FolderArgs {
  /** The tenant, organization or workspace that owns the folder (tnt_…, org_…, ws_…). Changing it replaces the folder. */
  scopeId: pulumi.Input<string>;
  title: pulumi.Input<string>;
  handle?: pulumi.Input<string>;
  /** A folder of the same scope; omit for a top-level folder. Changing it moves the folder. */
  parentId?: pulumi.Input<string>;
  /**
   * Adopt an object made outside Pulumi: on create, take over the object with this id (its
   * identity must match) instead of making a new one. Pulumi then manages it, deletes included.
   */
  adoptId?: pulumi.Input<string>;
}

/**
 * A folder of connections. To manage a folder made outside Pulumi, give `adoptId: "fld_…"`
 * (`pulumi import` cannot serve dynamic providers: see the README's "Adopting existing objects").
 */
export class Folder extends SwitchyardResource {
  declare readonly scopeId: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly handle: pulumi.Output<string | undefined>;
  declare readonly parentId: pulumi.Output<string | undefined>;
  declare readonly managedBy: pulumi.Output<string | null>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: FolderArgs, opts?: pulumi.CustomResourceOptions) {
    super("folder", "Folder", name, { handle: undefined, parentId: undefined, managedBy: undefined, version: undefined, createdAt: undefined, updatedAt: undefined, ...args }, opts);
  }
}

export interface ConnectionArgs {
  /** The owning tenant, organization or workspace. Changing it replaces the connection. */
  scopeId: pulumi.Input<string>;
  /** The connection type (aws, azure, gcp, postgres, s3, gcs, dhis2, iaso, custom). Changing it replaces. */
  plugin: pulumi.Input<string>;
  /** The plugin's settings; secret fields stay secret in state and outputs. */
  config: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  /** The schema name in every workspace it reaches; derived from the title when omitted. */
  handle?: pulumi.Input<string>;
  title?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** A folder of the same scope. Changing it moves the connection. */
  folderId?: pulumi.Input<string>;
  /**
   * Adopt an object made outside Pulumi: on create, take over the object with this id (its
   * identity must match) instead of making a new one. Pulumi then manages it, deletes included.
   */
  adoptId?: pulumi.Input<string>;
}

/**
 * A data-source connection. To manage a connection made outside Pulumi, give `adoptId: "conn_…"`
 * (`pulumi import` cannot serve dynamic providers: see the README's "Adopting existing objects").
 */
export class Connection extends SwitchyardResource {
  declare readonly scopeId: pulumi.Output<string>;
  declare readonly plugin: pulumi.Output<string>;
  declare readonly config: pulumi.Output<Record<string, unknown>>;
  declare readonly handle: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly folderId: pulumi.Output<string | null>;
  declare readonly managedBy: pulumi.Output<string | null>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  /** Fingerprints of the secret fields as the service holds them (they change when a secret changes). */
  declare readonly secretFingerprints: pulumi.Output<Record<string, string | null>>;

  constructor(name: string, args: ConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    const computed = {
      handle: undefined,
      title: undefined,
      description: undefined,
      folderId: undefined,
      managedBy: undefined,
      version: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      secretFingerprints: undefined,
      // Not `appliedFingerprints`: the provider keeps it in state for drift detection, and the
      // program never reads it. Every property here costs @pulumi/pulumi four promises and an
      // output (docs/pulumi-performance.md).
    };
    // A config with no secret in it stays readable in outputs and state: a secret output costs the
    // engine a decryption and a comparison per resource on every run (docs/mirroring.md).
    const secret: pulumi.CustomResourceOptions = configMayHoldSecrets(args.plugin, args.config) ? { additionalSecretOutputs: ["config"] } : {};
    super("connection", "Connection", name, { ...computed, ...args }, pulumi.mergeOptions(opts, secret));
  }
}

export interface GrantArgs {
  /** The shared connection or folder (conn_… or fld_…), owned by a tenant or organization. */
  objectId: pulumi.Input<string>;
  /** Who receives it: the tenant, one of its organizations or workspaces. */
  granteeId: pulumi.Input<string>;
  /**
   * Adopt an object made outside Pulumi: on create, take over the object with this id (its
   * identity must match) instead of making a new one. Pulumi then manages it, deletes included.
   */
  adoptId?: pulumi.Input<string>;
}

/** Shares a connection or folder down the hierarchy. Changing either id replaces the grant. */
export class Grant extends SwitchyardResource {
  declare readonly objectId: pulumi.Output<string>;
  declare readonly granteeId: pulumi.Output<string>;
  declare readonly objectType: pulumi.Output<string>;
  declare readonly tenantId: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions) {
    super("grant", "Grant", name, { objectType: undefined, tenantId: undefined, version: undefined, createdAt: undefined, ...args }, opts);
  }
}

export interface SchemaAttachmentArgs {
  workspaceId: pulumi.Input<string>;
  /** A connection or folder available to the workspace. */
  objectId: pulumi.Input<string>;
  /**
   * Adopt an object made outside Pulumi: on create, take over the object with this id (its
   * identity must match) instead of making a new one. Pulumi then manages it, deletes included.
   */
  adoptId?: pulumi.Input<string>;
}

/** Makes a connection, or every connection below a folder, a schema of a workspace. */
export class SchemaAttachment extends SwitchyardResource {
  declare readonly workspaceId: pulumi.Output<string>;
  declare readonly objectId: pulumi.Output<string>;
  declare readonly objectType: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: SchemaAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    super("attachment", "SchemaAttachment", name, { objectType: undefined, version: undefined, createdAt: undefined, ...args }, opts);
  }
}
