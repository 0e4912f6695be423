import { z } from "zod";
import { handleSchema, titleSchema } from "../../contract/handles";

export const scopeSchema = z.object({
  id: z.string(),
  kind: z.enum(["tenant", "org", "workspace"]),
  parentId: z.string().nullable(),
  tenantId: z.string(),
  handle: z.string(),
  title: z.string(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});

export const createScopeBody = z.strictObject({ handle: handleSchema, title: titleSchema.optional() });
export const patchScopeBody = z
  .strictObject({ handle: handleSchema.optional(), title: titleSchema.optional() })
  .refine((b) => b.handle !== undefined || b.title !== undefined, "send at least one of handle, title");
