import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { attachmentSchema, createGrantBody, grantSchema } from "../../contract/api";
import { idSchema, scopeIdSchema } from "../../contract/ids";
import { booleanQuery } from "../folders/routes";
import { errors } from "../http/openapi";
import { contextOf, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, listOf } from "../http/pagination";
import { page } from "../scopes/routes";
import type { GrantService } from "./service";

const grantParams = z.object({ id: idSchema("grant") });

export function grantRoutes(app: FastifyInstance, grants: GrantService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["grants"];

  r.post(
    "/v1/grants",
    { schema: { tags, operationId: "createGrant", summary: "Share a tenant's or organization's connection or folder with a scope at or below its owner (Idempotency-Key honoured)", body: createGrantBody, response: { 201: grantSchema, ...errors(403, 404, 409, 422) } } },
    async (req, reply) => sendWithEtag(reply, await grants.create(contextOf(req), req.body), 201),
  );

  r.get(
    "/v1/grants",
    {
      schema: {
        tags,
        operationId: "listGrants", summary: "The grants of a connection or folder (objectId), and/or to a scope (granteeId)",
        querystring: cursorQuery.extend({ objectId: idSchema("connection", "folder").optional(), granteeId: scopeIdSchema.optional() }),
        response: { 200: listOf(grantSchema), ...errors(404) },
      },
    },
    async (req) => {
      const { limit, cursor, objectId, granteeId } = req.query;
      return page(await grants.list(contextOf(req), { objectId, granteeId, limit: limit + 1, afterId: decodeCursor(cursor) }), limit);
    },
  );

  r.get("/v1/grants/:id", { schema: { tags, operationId: "getGrant", summary: "Read a grant", params: grantParams, response: { 200: grantSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await grants.read(contextOf(req), req.params.id)),
  );

  r.delete(
    "/v1/grants/:id",
    {
      schema: {
        tags,
        operationId: "revokeGrant", summary: "Revoke a grant; refused while attachments depend on it, unless cascade=true detaches them (If-Match honoured)",
        params: grantParams,
        querystring: z.object({ cascade: booleanQuery.default(false) }),
        response: { 200: z.object({ grant: grantSchema, detached: z.array(attachmentSchema) }), ...errors(403, 409, 412) },
      },
    },
    async (req) => grants.remove(contextOf(req), req.params.id, req.query),
  );
}
