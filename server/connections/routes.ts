import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { connectionSchema, createConnectionBody, patchConnectionBody, testConfigBody, testResultSchema } from "../../contract/api";
import { idSchema } from "../../contract/ids";
import { pluginCatalog, pluginSchema } from "../../contract/plugins";
import { errors } from "../http/openapi";
import { contextOf, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import { scopeParams, scopeRouteId } from "../scopes/routes";
import type { ConnectionService } from "./service";

const usageSchema = z.object({ workspaceId: z.string(), state: z.string(), attachmentId: z.string().nullable(), folderId: z.string().nullable() });
const deleteResultSchema = z.object({ dryRun: z.boolean(), deleted: z.boolean(), connection: connectionSchema, workspaces: z.array(z.string()), usage: z.array(usageSchema) });
const connectionParams = z.object({ id: idSchema("connection") });
const booleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");
/** Why a connection is available to a workspace: its own, or which grant (to which scope, through which granted folder). */
const availableViaSchema = z.object({ via: z.enum(["own", "grant"]), grantId: z.string().nullable().optional(), granteeId: z.string().nullable().optional(), folderId: z.string().nullable().optional() });
const listedConnectionSchema = connectionSchema.extend({ availableVia: z.array(availableViaSchema).optional() });

export function connectionRoutes(app: FastifyInstance, connections: ConnectionService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["connections"];

  r.get(
    "/v1/plugins",
    {
      schema: {
        tags,
        operationId: "listPlugins", summary: "The plugin catalog: each connection type's config schema and its secret fields",
        response: { 200: z.object({ items: z.array(z.object({ type: z.string(), title: z.string(), description: z.string(), secretFields: z.array(z.string()), testable: z.boolean(), configSchema: z.record(z.string(), z.unknown()) })) }) },
      },
    },
    async () => ({ items: pluginCatalog() }),
  );

  r.post(
    "/v1/:kind/:id/connections",
    { schema: { tags, operationId: "createConnection", summary: "Create a connection in a scope (Idempotency-Key honoured)", params: scopeParams, body: createConnectionBody, response: { 201: connectionSchema, ...errors(403, 409, 422) } } },
    async (req, reply) => sendWithEtag(reply, await connections.create(contextOf(req), scopeRouteId(req.params), req.body), 201),
  );

  r.get(
    "/v1/:kind/:id/connections",
    {
      schema: {
        tags,
        operationId: "listConnections", summary: "The connections a tenant or organization owns, by handle; for a workspace, those available to it (own or granted), each with availableVia",
        params: scopeParams,
        querystring: cursorQuery.extend({ folderId: idSchema("folder").or(z.literal("none")).optional(), plugin: pluginSchema.optional() }),
        response: { 200: listOf(listedConnectionSchema) },
      },
    },
    async (req) => {
      const { limit, cursor, folderId, plugin } = req.query;
      const rows = await connections.list(contextOf(req), scopeRouteId(req.params), {
        folderId: folderId === "none" ? null : folderId,
        plugin,
        limit: limit + 1,
        afterHandle: decodeCursor(cursor),
      });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      // A workspace lists connections of several scopes, where handles repeat: its cursor adds the id.
      return { items, nextCursor: rows.length > limit ? encodeCursor("availableVia" in last ? `${last.handle} ${last.id}` : last.handle) : null };
    },
  );

  r.post(
    "/v1/:kind/:id/connections/test",
    { schema: { tags, operationId: "testNewConnection", summary: "Check a config before creating a connection", params: scopeParams, body: testConfigBody, response: { 200: testResultSchema, ...errors(403) } } },
    async (req) => connections.testNew(contextOf(req), scopeRouteId(req.params), req.body.plugin, req.body.config),
  );

  r.get("/v1/connections/:id", { schema: { tags, operationId: "getConnection", summary: "Read a connection (secrets redacted)", params: connectionParams, response: { 200: connectionSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await connections.read(contextOf(req), req.params.id)),
  );

  r.patch(
    "/v1/connections/:id",
    { schema: { tags, operationId: "updateConnection", summary: "Change a connection: omitted secrets are kept, null clears (If-Match honoured)", params: connectionParams, body: patchConnectionBody, response: { 200: connectionSchema, ...errors(403, 409, 412) } } },
    async (req, reply) => sendWithEtag(reply, await connections.update(contextOf(req), req.params.id, req.body)),
  );

  r.delete(
    "/v1/connections/:id",
    {
      schema: {
        tags,
        operationId: "deleteConnection", summary: "Delete a connection and its schema everywhere: confirm=<handle>, or dryRun=true to see what would go",
        params: connectionParams,
        querystring: z.object({ confirm: z.string().max(64).optional(), dryRun: booleanQuery.default(false) }),
        response: { 200: deleteResultSchema, ...errors(403, 409, 412) },
      },
    },
    async (req, reply) => {
      const result = await connections.remove(contextOf(req), req.params.id, { confirm: req.query.confirm, dryRun: req.query.dryRun });
      return reply.status(200).send(result);
    },
  );

  r.post("/v1/connections/:id/test", { schema: { tags, operationId: "testConnection", summary: "Check a stored connection", params: connectionParams, response: { 200: testResultSchema, ...errors(403) } } }, async (req) =>
    connections.testExisting(contextOf(req), req.params.id),
  );
}
