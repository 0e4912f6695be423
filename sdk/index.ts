/**
 * Switchyard's Pulumi SDK: `import * as sy from "switchyard"`.
 * Settings: `switchyard:url` and `switchyard:token` (secret) in stack config, or SWITCHYARD_URL
 * and SWITCHYARD_TOKEN in the environment.
 */
export { Connection, Folder, Grant, SchemaAttachment } from "./resources";
export type { ConnectionArgs, FolderArgs, GrantArgs, SchemaAttachmentArgs } from "./resources";
export { Member, Organization, Workspace } from "./scopes";
export type { MemberArgs, OrganizationArgs, WorkspaceArgs } from "./scopes";
export { aws, azure, gcp, CloudAccessError } from "./clouds";
export { Integration } from "./integration";
export type { IntegrationArgs } from "./integration";
export { AwsOrganizationMirror, AzureManagementGroupMirror, GcpFolderMirror, HierarchyMirror } from "./mirror";
export type { MirrorArgs, MirrorConnection, MirrorConnectionConfig } from "./mirror";
export type { HierarchyNode, HierarchySnapshot } from "../contract/hierarchy-types";
