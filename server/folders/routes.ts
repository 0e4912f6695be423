import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { createFolderBody, folderSchema, patchFolderBody } from "../../contract/api";
import { idSchema } from "../../contract/ids";
import { ValidationError } from "../errors";
import { errors } from "../http/openapi";
import { contextOf, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import { page, scopeParams, scopeRouteId } from "../scopes/routes";
import type { FolderService } from "./service";

const folderParams = z.object({ id: idSchema("folder") });
export const booleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");

const pathItem = z.object({ id: z.string(), handle: z.string().nullable(), title: z.string() });
const treeItemSchema = z.object({
  type: z.enum(["folder", "connection"]),
  id: z.string(),
  /** The folder it is in (null at the top of the scope). */
  parentId: z.string().nullable(),
  handle: z.string().nullable(),
  title: z.string(),
  managedBy: z.string().nullable(),
  depth: z.number(),
  path: z.array(pathItem),
});

const deleteResultSchema = z.object({
  dryRun: z.boolean(),
  deleted: z.boolean(),
  needsRecursive: z.boolean(),
  folder: folderSchema,
  folders: z.array(z.string()),
  connections: z.array(z.string()),
  grants: z.array(z.object({ id: z.string(), objectId: z.string(), granteeId: z.string() })),
  attachments: z.array(z.object({ id: z.string(), objectId: z.string(), workspaceId: z.string() })),
});

function decodeTreeCursor(cursor: string | undefined) {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const m = /^(\d{1,3}) (folder|connection) (\S{1,64})$/.exec(key);
  if (!m) throw new ValidationError("cursor is not one this service issued; pass nextCursor from the previous page", [{ field: "querystring.cursor", message: "invalid cursor" }]);
  return { depth: Number(m[1]), type: m[2], id: m[3] };
}

export function folderRoutes(app: FastifyInstance, folders: FolderService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["folders"];

  r.post(
    "/v1/:kind/:id/folders",
    { schema: { tags, operationId: "createFolder", summary: "Create a folder in a scope, optionally below a folder of the same scope (Idempotency-Key honoured)", params: scopeParams, body: createFolderBody, response: { 201: folderSchema, ...errors(403, 409, 422) } } },
    async (req, reply) => sendWithEtag(reply, await folders.create(contextOf(req), scopeRouteId(req.params), req.body), 201),
  );

  r.get(
    "/v1/:kind/:id/folders",
    {
      schema: {
        tags,
        operationId: "listFolders", summary: "The folders of a scope (all, or the children of parentId; parentId=none for the top level)",
        params: scopeParams,
        querystring: cursorQuery.extend({ parentId: idSchema("folder").or(z.literal("none")).optional() }),
        response: { 200: listOf(folderSchema) },
      },
    },
    async (req) => {
      const { limit, cursor, parentId } = req.query;
      const rows = await folders.list(contextOf(req), scopeRouteId(req.params), { parentId: parentId === "none" ? null : parentId, limit: limit + 1, afterId: decodeCursor(cursor) });
      return page(rows, limit);
    },
  );

  r.get(
    "/v1/:kind/:id/tree",
    {
      schema: {
        tags,
        operationId: "getTree", summary: "A scope's whole tree of folders and connections, parents first, each item with its ancestor folders",
        params: scopeParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(5000).default(1000), cursor: z.string().max(512).optional() }),
        response: { 200: listOf(treeItemSchema) },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await folders.tree(contextOf(req), scopeRouteId(req.params), { limit: limit + 1, after: decodeTreeCursor(cursor) });
      const items = rows.slice(0, limit).map((t) => ({ type: t.type, id: t.id, parentId: t.parent_id, handle: t.handle, title: t.title, managedBy: t.managed_by, depth: t.depth, path: t.path }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit ? encodeCursor(`${last.depth} ${last.type} ${last.id}`) : null };
    },
  );

  r.get("/v1/folders/:id", { schema: { tags, operationId: "getFolder", summary: "Read a folder", params: folderParams, response: { 200: folderSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await folders.read(contextOf(req), req.params.id)),
  );

  r.patch(
    "/v1/folders/:id",
    { schema: { tags, operationId: "updateFolder", summary: "Rename and/or move a folder in one change (If-Match honoured)", params: folderParams, body: patchFolderBody, response: { 200: folderSchema, ...errors(403, 409, 412) } } },
    async (req, reply) => sendWithEtag(reply, await folders.update(contextOf(req), req.params.id, req.body)),
  );

  r.delete(
    "/v1/folders/:id",
    {
      schema: {
        tags,
        operationId: "deleteFolder", summary: "Delete a folder; one with anything inside needs recursive=true; dryRun=true answers what would go (If-Match honoured)",
        params: folderParams,
        querystring: z.object({ recursive: booleanQuery.default(false), dryRun: booleanQuery.default(false) }),
        response: { 200: deleteResultSchema, ...errors(403, 409, 412) },
      },
    },
    async (req) => folders.remove(contextOf(req), req.params.id, req.query),
  );
}
