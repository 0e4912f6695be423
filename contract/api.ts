import { z } from "zod";
import { handleSchema, titleSchema } from "./handles";
import { idSchema, scopeIdSchema } from "./ids";
import { pluginSchema } from "./plugins";

/** Request and response shapes that the service and the SDK agree on (SPEC §7.1). */

/**
 * Every error answer, whatever its status: `code` is stable and machine-readable (e.g.
 * `validation_failed`, `not_found`, `rate_limited`), `message` says what to do, `details` names the
 * fields or objects involved, `requestId` finds the request in the service log. Registered once as
 * the OpenAPI component `Error`.
 */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: "Error", description: "The one error envelope of every 4xx and 5xx answer" });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export const descriptionSchema = z.string().max(4096);
export const configInputSchema = z.record(z.string().max(128), z.unknown()).refine((c) => Object.keys(c).length <= 200, "at most 200 fields");

export const createConnectionBody = z.strictObject({
  plugin: pluginSchema,
  config: configInputSchema,
  handle: handleSchema.optional(),
  title: titleSchema.optional(),
  description: descriptionSchema.optional(),
  folderId: idSchema("folder").nullable().optional(),
});
export type CreateConnectionBody = z.infer<typeof createConnectionBody>;

export const patchConnectionBody = z
  .strictObject({
    // Refused by name: a connection's plugin is fixed (the SDK replaces the connection instead).
    plugin: z.never({ error: "the plugin of a connection cannot be changed; create a new connection (the SDK replaces it)" }).optional(),
    config: configInputSchema.optional(),
    handle: handleSchema.optional(),
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    folderId: idSchema("folder").nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "send at least one of config, handle, title, description, folderId");
export type PatchConnectionBody = z.infer<typeof patchConnectionBody>;

export const connectionSchema = z.object({
  id: z.string(),
  handle: z.string(),
  title: z.string(),
  description: z.string(),
  plugin: z.string(),
  config: z.record(z.string(), z.unknown()),
  scopeId: z.string(),
  folderId: z.string().nullable(),
  managedBy: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type ConnectionView = z.infer<typeof connectionSchema>;

export const testConfigBody = z.strictObject({ plugin: pluginSchema, config: configInputSchema });
export const testResultSchema = z.object({ ok: z.boolean(), message: z.string(), contacted: z.boolean() });

export const createFolderBody = z.strictObject({
  title: titleSchema,
  handle: handleSchema.optional(),
  parentId: idSchema("folder").nullable().optional(),
});
export const patchFolderBody = z
  .strictObject({ title: titleSchema.optional(), handle: handleSchema.nullable().optional(), parentId: idSchema("folder").nullable().optional() })
  .refine((b) => Object.keys(b).length > 0, "send at least one of title, handle, parentId");

export const folderSchema = z.object({
  id: z.string(),
  scopeId: z.string(),
  parentId: z.string().nullable(),
  handle: z.string().nullable(),
  title: z.string(),
  managedBy: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type FolderView = z.infer<typeof folderSchema>;

export const createGrantBody = z.strictObject({ objectId: idSchema("connection", "folder"), granteeId: scopeIdSchema });
export const grantSchema = z.object({
  id: z.string(),
  objectId: z.string(),
  objectType: z.enum(["connection", "folder"]),
  granteeId: z.string(),
  tenantId: z.string(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type GrantView = z.infer<typeof grantSchema>;

export const createAttachmentBody = z.strictObject({ objectId: idSchema("connection", "folder") });
export const attachmentSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  objectId: z.string(),
  objectType: z.enum(["connection", "folder"]),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type AttachmentView = z.infer<typeof attachmentSchema>;

export const schemaStateSchema = z.enum(["direct", "indirect", "conflict", "available"]);
export const workspaceSchemaItem = z.object({
  name: z.string(),
  state: schemaStateSchema,
  connectionId: z.string(),
  folderId: z.string().nullable().optional(),
  attachmentId: z.string().nullable().optional(),
  conflictsWith: z.string().nullable().optional(),
});
export type WorkspaceSchemaItem = z.infer<typeof workspaceSchemaItem>;

export { scopeIdSchema };
