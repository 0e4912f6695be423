import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { workspaceSchemaItem } from "../../contract/api";
import { handleSchema } from "../../contract/handles";
import { idSchema } from "../../contract/ids";
import { ValidationError } from "../errors";
import { contextOf } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import type { SchemaItem, WorkspaceViewService } from "./service";

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

/** A page of an ordered list whose cursor is "name connectionId"; a vanished cursor item resumes after its name. */
function schemaPage(items: SchemaItem[], limit: number, cursor: string | undefined) {
  let start = 0;
  const key = decodeCursor(cursor);
  if (key !== undefined) {
    const m = /^(\S+) (\S+)$/.exec(key);
    if (!m) throw new ValidationError("cursor is not one this service issued; pass nextCursor from the previous page", [{ field: "querystring.cursor", message: "invalid cursor" }]);
    const at = items.findIndex((i) => i.name === m[1] && i.connectionId === m[2]);
    start = at >= 0 ? at + 1 : items.findIndex((i) => i.name > m[1]);
    if (start < 0) start = items.length;
  }
  const shown = items.slice(start, start + limit);
  const last = shown[shown.length - 1];
  return { items: shown, nextCursor: start + limit < items.length ? encodeCursor(`${last.name} ${last.connectionId}`) : null };
}

export function workspaceRoutes(app: FastifyInstance, view: WorkspaceViewService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["workspaces"];

  r.get(
    "/v1/workspaces/:id/schemas",
    {
      schema: {
        tags,
        summary: "A workspace's schemas: direct, indirect (naming the folder) or conflict (naming the holder); include=available adds available, unattached connections",
        params: workspaceParams,
        querystring: cursorQuery.extend({ include: z.enum(["available"]).optional() }),
        response: { 200: listOf(workspaceSchemaItem) },
      },
    },
    async (req) => {
      const items = await view.schemas(contextOf(req), req.params.id, { includeAvailable: req.query.include === "available" });
      return schemaPage(items, req.query.limit, req.query.cursor);
    },
  );

  r.get(
    "/v1/workspaces/:id/connections/:handle/credentials",
    {
      schema: {
        tags,
        summary: "The decrypted config of the connection that is schema {handle} of the workspace (editors; every read is audited)",
        params: workspaceParams.extend({ handle: handleSchema }),
        response: { 200: credentialsSchema },
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
        summary: "The workspaces whose schemas include a connection, and how (direct, indirect through a folder, or conflict)",
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
