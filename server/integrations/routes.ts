import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { hierarchySnapshotSchema } from "../../contract/hierarchy";
import { idSchema } from "../../contract/ids";
import { createIntegrationBody, integrationDeleteResultSchema, integrationSchema, patchIntegrationBody, syncResultSchema } from "../../contract/integrations";
import { booleanQuery } from "../folders/routes";
import { contextOf, sendWithEtag } from "../http/context";
import { errors } from "../http/openapi";
import { cursorQuery, decodeCursor, listOf } from "../http/pagination";
import { page, scopeParams, scopeRouteId } from "../scopes/routes";
import type { IntegrationService } from "./service";

const integrationParams = z.object({ id: idSchema("integration") });
/** A snapshot of 20,000 nodes is several megabytes of JSON. */
const SNAPSHOT_BODY_LIMIT = 32 * 1024 * 1024;

export function integrationRoutes(app: FastifyInstance, integrations: IntegrationService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["integrations"];

  r.post(
    "/v1/:kind/:id/integrations",
    {
      schema: {
        operationId: "createIntegration",
        tags,
        summary: "Create an integration in a tenant or organization, with its root folder (owner; Idempotency-Key honoured)",
        params: scopeParams,
        body: createIntegrationBody,
        response: { 201: integrationSchema, ...errors(403, 409, 422) },
      },
    },
    async (req, reply) => sendWithEtag(reply, await integrations.create(contextOf(req), scopeRouteId(req.params), req.body), 201),
  );

  r.get(
    "/v1/:kind/:id/integrations",
    { schema: { operationId: "listIntegrations", tags, summary: "The integrations a scope owns", params: scopeParams, querystring: cursorQuery, response: { 200: listOf(integrationSchema) } } },
    async (req) => page(await integrations.list(contextOf(req), scopeRouteId(req.params), { limit: req.query.limit + 1, afterId: decodeCursor(req.query.cursor) }), req.query.limit),
  );

  r.get(
    "/v1/integrations/:id",
    { schema: { operationId: "getIntegration", tags, summary: "Read an integration (template secrets redacted) and its last sync", params: integrationParams, response: { 200: integrationSchema } } },
    async (req, reply) => sendWithEtag(reply, await integrations.read(contextOf(req), req.params.id)),
  );

  r.patch(
    "/v1/integrations/:id",
    {
      schema: {
        operationId: "updateIntegration",
        tags,
        summary: "Change an integration's title or config; omitted template secrets are kept, null clears (owner; If-Match honoured)",
        params: integrationParams,
        body: patchIntegrationBody,
        response: { 200: integrationSchema, ...errors(403, 409, 412) },
      },
    },
    async (req, reply) => sendWithEtag(reply, await integrations.update(contextOf(req), req.params.id, req.body)),
  );

  r.delete(
    "/v1/integrations/:id",
    {
      schema: {
        operationId: "deleteIntegration",
        tags,
        summary: "Delete an integration and everything it manages: confirm=<handle>, or dryRun=true to see what would go (owner; If-Match honoured)",
        params: integrationParams,
        querystring: z.object({ confirm: z.string().max(64).optional(), dryRun: booleanQuery.default(false) }),
        response: { 200: integrationDeleteResultSchema, ...errors(403, 409, 412) },
      },
    },
    async (req) => integrations.remove(contextOf(req), req.params.id, req.query),
  );

  r.post(
    "/v1/integrations/:id/sync",
    {
      bodyLimit: SNAPSHOT_BODY_LIMIT,
      schema: {
        operationId: "syncIntegration",
        tags,
        summary: "Reconcile the mirror with a hierarchy snapshot in one transaction and answer the plan; dryRun=true changes nothing; allowMassDelete=true lifts the delete guard (owner)",
        params: integrationParams,
        querystring: z.object({ dryRun: booleanQuery.default(false), allowMassDelete: booleanQuery.default(false) }),
        body: hierarchySnapshotSchema,
        response: { 200: syncResultSchema, ...errors(403, 409, 412) },
      },
    },
    async (req) => integrations.sync(contextOf(req), req.params.id, req.body, req.query),
  );
}
