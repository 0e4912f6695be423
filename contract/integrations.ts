import { z } from "zod";
import { handleSchema, titleSchema } from "./handles";
import { CLOUDS } from "./hierarchy";
import { idSchema } from "./ids";
import { handlePrefixSchema } from "./mirror";
import { configInputSchema } from "./api";

/** Request and response shapes of integrations (SPEC §6.3, §7.1), shared by the service and the SDK. */

export const integrationConfigInput = z.strictObject({
  handlePrefix: handlePrefixSchema.optional(),
  /** The connection template: plugin (default: the integration's type) and fields with `{id}` / `{name}`. */
  connection: z.strictObject({ plugin: z.enum(CLOUDS).optional(), config: configInputSchema }),
  /** Cloud ids whose subtrees are left out. */
  exclude: z.array(z.string().trim().min(1).max(255)).max(10_000).optional(),
  /** The share of managed objects one sync may delete without allowMassDelete=true (default 0.2). */
  maxDeleteFraction: z.number().min(0).max(1).optional(),
});
export type IntegrationConfigInput = z.infer<typeof integrationConfigInput>;

export const createIntegrationBody = z.strictObject({
  type: z.enum(CLOUDS),
  handle: handleSchema,
  title: titleSchema.optional(),
  config: integrationConfigInput,
  parentFolderId: idSchema("folder").nullable().optional(),
});
export type CreateIntegrationBody = z.infer<typeof createIntegrationBody>;

export const patchIntegrationBody = z
  .strictObject({ title: titleSchema.optional(), config: integrationConfigInput.optional() })
  .refine((b) => Object.keys(b).length > 0, "send at least one of title, config");
export type PatchIntegrationBody = z.infer<typeof patchIntegrationBody>;

export const SYNC_OPS = ["create", "update", "move", "rename", "delete", "unchanged"] as const;
export type SyncOp = (typeof SYNC_OPS)[number];

export const syncSummarySchema = z.object({ create: z.number(), update: z.number(), move: z.number(), rename: z.number(), delete: z.number(), unchanged: z.number() });
export type SyncSummary = z.infer<typeof syncSummarySchema>;

export const lastSyncSchema = z.object({ at: z.string(), by: z.string(), summary: syncSummarySchema, snapshotHash: z.string() });

export const integrationSchema = z.object({
  id: z.string(),
  scopeId: z.string(),
  type: z.enum(CLOUDS),
  handle: z.string(),
  title: z.string(),
  config: z.object({
    handlePrefix: z.string().optional(),
    connection: z.object({ plugin: z.string(), config: z.record(z.string(), z.unknown()) }),
    exclude: z.array(z.string()).optional(),
    maxDeleteFraction: z.number().optional(),
  }),
  parentFolderId: z.string().nullable(),
  rootFolderId: z.string(),
  lastSync: lastSyncSchema.nullable(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type IntegrationView = z.infer<typeof integrationSchema>;

export const syncOperationSchema = z.object({
  /** One per object: the first of move, rename, update that applies (`changes` lists them all). */
  op: z.enum(SYNC_OPS),
  kind: z.enum(["folder", "connection"]),
  cloudId: z.string(),
  objectId: z.string().optional(),
  changes: z.array(z.enum(["move", "rename", "update"])).optional(),
  before: z.record(z.string(), z.unknown()).optional(),
  after: z.record(z.string(), z.unknown()).optional(),
});
export type SyncOperation = z.infer<typeof syncOperationSchema>;

export const syncResultSchema = z.object({ dryRun: z.boolean(), summary: syncSummarySchema, operations: z.array(syncOperationSchema) });
export type SyncResult = z.infer<typeof syncResultSchema>;

export const integrationDeleteResultSchema = z.object({
  dryRun: z.boolean(),
  deleted: z.boolean(),
  integration: integrationSchema,
  folders: z.array(z.string()),
  connections: z.array(z.string()),
  grants: z.array(z.object({ id: z.string(), objectId: z.string(), granteeId: z.string() })),
  attachments: z.array(z.object({ id: z.string(), objectId: z.string(), workspaceId: z.string() })),
  workspaces: z.array(z.string()),
});
