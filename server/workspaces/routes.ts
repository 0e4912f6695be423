import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { workspaceSchemaItem } from "../../contract/api";
import { handleSchema } from "../../contract/handles";
import { idSchema } from "../../contract/ids";
import { ValidationError } from "../errors";
import { errors } from "../http/openapi";
import { contextOf } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import type { WorkspaceViewService } from "./service";

const workspaceParams = z.object({ id: idSchema("workspace") });
const connectionParams = z.object({ id: idSchema("connection") });

const connectionWorkspaceSchema = z.object({
  workspaceId: z.string(),
  state: z.enum(["direct", "indirect", "conflict"]),
  attachmentId: z.string(),
  /** The attached folder it comes through, when indirect. */
  folderId: z.string().nullable(),
  /** The connection holding the name, when in conflict. */
  conflictsWith: z.string().nullable(),
});

const credentialsSchema = z.object({ connectionId: z.string(), handle: z.string(), plugin: z.string(), config: z.record(z.string(), z.unknown()) });

/** The schema list's cursor: "name rank", the last item shown (a name's holder is rank 1). */
function decodeSchemaCursor(cursor: string | undefined) {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const m = /^([a-z][a-z0-9_]{0,62}) (\d{1,6})$/.exec(key);
  if (!m) throw new ValidationError("cursor is not one this service issued; pass nextCursor from the previous page", [{ field: "querystring.cursor", message: "invalid cursor" }]);
  return { name: m[1], rank: Number(m[2]) };
}

export function workspaceRoutes(app: FastifyInstance, view: WorkspaceViewService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["workspaces"];

  r.get(
    "/v1/workspaces/:id/schemas",
    {
      schema: {
        tags,
        operationId: "listWorkspaceSchemas", summary: "A workspace's schemas: direct, indirect (naming the folder) or conflict (naming the holder); include=available adds available, unattached connections",
        params: workspaceParams,
        querystring: cursorQuery.extend({ include: z.enum(["available"]).optional() }),
        response: { 200: listOf(workspaceSchemaItem) },
      },
    },
    async (req) => {
      const { include, limit, cursor } = req.query;
      const page = await view.schemas(contextOf(req), req.params.id, { includeAvailable: include === "available", limit, after: decodeSchemaCursor(cursor) });
      return { items: page.items, nextCursor: page.next ? encodeCursor(`${page.next.name} ${page.next.rank}`) : null };
    },
  );

  r.get(
    "/v1/workspaces/:id/connections/:handle/credentials",
    {
      schema: {
        tags,
        operationId: "getCredentials", summary: "The decrypted config of the connection that is schema {handle} of the workspace (editors; every read is audited)",
        params: workspaceParams.extend({ handle: handleSchema }),
        response: { 200: credentialsSchema, ...errors(403) },
      },
    },
    async (req, reply) => {
      reply.header("cache-control", "no-store");
      return view.credentials(contextOf(req), req.params.id, req.params.handle);
    },
  );

  r.get(
    "/v1/connections/:id/workspaces",
    {
      schema: {
        tags,
        operationId: "listConnectionWorkspaces", summary: "The workspaces whose schemas include a connection, and how (direct, indirect through a folder, or conflict)",
        params: connectionParams,
        querystring: cursorQuery,
        response: { 200: listOf(connectionWorkspaceSchema) },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await view.connectionWorkspaces(contextOf(req), req.params.id, { limit: limit + 1, afterWorkspace: decodeCursor(cursor) });
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].workspaceId) : null };
    },
  );
}
