import * as pulumi from "@pulumi/pulumi";
import { SwitchyardResource } from "./shim";

export interface OrganizationArgs {
  /** The tenant that holds the organization (tnt_…). Changing it replaces the organization. */
  tenantId: pulumi.Input<string>;
  /** Unique among the tenant's organizations; changes in place. */
  handle: pulumi.Input<string>;
  /** Free text; the handle when omitted. */
  title?: pulumi.Input<string>;
  /**
   * Deleting an organization that still holds workspaces, folders or connections fails with a
   * message naming them. With `forceDestroy: true` they are deleted with it (their schemas leave
   * every workspace). Objects the stack manages itself are always deleted first, in order.
   */
  forceDestroy?: pulumi.Input<boolean>;
  /** Manage an organization made outside Pulumi (org_…) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/** An organization of a tenant: holds workspaces, and connections and folders it can share with them. */
export class Organization extends SwitchyardResource {
  declare readonly tenantId: pulumi.Output<string>;
  declare readonly handle: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly forceDestroy: pulumi.Output<boolean | undefined>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: OrganizationArgs, opts?: pulumi.CustomResourceOptions) {
    super("organization", "Organization", name, { title: undefined, version: undefined, createdAt: undefined, updatedAt: undefined, forceDestroy: undefined, ...args }, opts);
  }
}

export interface WorkspaceArgs {
  /** The organization that holds the workspace (org_…). Changing it replaces the workspace. */
  orgId: pulumi.Input<string>;
  /** Unique among the organization's workspaces; changes in place. */
  handle: pulumi.Input<string>;
  /** Free text; the handle when omitted. */
  title?: pulumi.Input<string>;
  /**
   * Deleting a workspace that still holds folders or connections fails with a message naming
   * them; with `forceDestroy: true` they are deleted with it.
   */
  forceDestroy?: pulumi.Input<boolean>;
  /** Manage a workspace made outside Pulumi (ws_…) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/** A workspace: its database gets a PostgreSQL schema for every connection attached to it. */
export class Workspace extends SwitchyardResource {
  declare readonly orgId: pulumi.Output<string>;
  declare readonly tenantId: pulumi.Output<string>;
  declare readonly handle: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly forceDestroy: pulumi.Output<boolean | undefined>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: WorkspaceArgs, opts?: pulumi.CustomResourceOptions) {
    super("workspace", "Workspace", name, { tenantId: undefined, title: undefined, version: undefined, createdAt: undefined, updatedAt: undefined, forceDestroy: undefined, ...args }, opts);
  }
}

export interface MemberArgs {
  /** The tenant, organization or workspace (tnt_…, org_…, ws_…). Changing it replaces the membership. */
  scopeId: pulumi.Input<string>;
  /** The user (usr_…). Changing it replaces the membership. */
  userId: pulumi.Input<string>;
  /** viewer, editor, operator or owner; changes in place. */
  role: pulumi.Input<"viewer" | "editor" | "operator" | "owner">;
  /**
   * A user who already has a role at the scope is not taken over silently: the create fails.
   * Set `adoptId: "<scopeId>/<userId>"` to manage that membership from the program.
   */
  adoptId?: pulumi.Input<string>;
}

/** A user's role at a scope; it applies to everything below the scope. Its id is `<scopeId>/<userId>`. */
export class Member extends SwitchyardResource {
  declare readonly scopeId: pulumi.Output<string>;
  declare readonly userId: pulumi.Output<string>;
  declare readonly role: pulumi.Output<string>;
  declare readonly userHandle: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: MemberArgs, opts?: pulumi.CustomResourceOptions) {
    super("member", "Member", name, { userHandle: undefined, version: undefined, createdAt: undefined, updatedAt: undefined, ...args }, opts);
  }
}
