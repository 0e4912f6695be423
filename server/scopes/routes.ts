import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ID_PREFIXES, type ScopeKind } from "../../contract/ids";
import { ValidationError } from "../errors";
import { errors } from "../http/openapi";
import { contextOf, noContent, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import { createScopeBody, patchScopeBody, scopeSchema } from "./schemas";
import type { ScopeService } from "./service";

/** `{scope}` in a URL: `tenants/{id}`, `orgs/{id}` or `workspaces/{id}`. */
export const SCOPE_SEGMENT: Record<string, ScopeKind> = { tenants: "tenant", orgs: "org", workspaces: "workspace" };
export const scopeParams = z.object({
  kind: z.enum(["tenants", "orgs", "workspaces"], { error: () => "the path must start with /v1/tenants, /v1/orgs or /v1/workspaces" }),
  id: z.string().max(64),
});

/** The scope id named by `/v1/{kind}/{id}`, checked against the kind's id prefix. */
export function scopeRouteId(params: { kind: string; id: string }): string {
  const kind = SCOPE_SEGMENT[params.kind];
  if (!new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-z]{20}$`).test(params.id)) {
    throw new ValidationError(`${params.id} is not a ${kind} id (${ID_PREFIXES[kind]}_…)`, [{ field: "params.id", message: `expected ${ID_PREFIXES[kind]}_… id` }]);
  }
  return params.id;
}

export function page<T extends { id: string }>(items: T[], limit: number) {
  const more = items.length > limit;
  const shown = more ? items.slice(0, limit) : items;
  return { items: shown, nextCursor: more ? encodeCursor(shown[shown.length - 1].id) : null };
}

export function scopeRoutes(app: FastifyInstance, scopes: ScopeService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["scopes"];

  r.post("/v1/tenants", { schema: { tags, operationId: "createTenant", summary: "Create a tenant (platform administrators)", body: createScopeBody, response: { 201: scopeSchema, ...errors(403, 409, 422) } } }, async (req, reply) =>
    sendWithEtag(reply, await scopes.createTenant(contextOf(req), req.body), 201),
  );
  r.get("/v1/tenants", { schema: { tags, operationId: "listTenants", summary: "Tenants the caller has a role in", querystring: cursorQuery, response: { 200: listOf(scopeSchema) } } }, async (req) =>
    page(await scopes.tenants(contextOf(req), req.query.limit + 1, decodeCursor(req.query.cursor)), req.query.limit),
  );

  const childParams = z.object({ id: z.string().max(64) });
  r.post("/v1/tenants/:id/orgs", { schema: { tags, operationId: "createOrg", summary: "Create an organization in a tenant", params: childParams, body: createScopeBody, response: { 201: scopeSchema, ...errors(403, 409, 422) } } }, async (req, reply) =>
    sendWithEtag(reply, await scopes.createChild(contextOf(req), scopeRouteId({ kind: "tenants", id: req.params.id }), "org", req.body), 201),
  );
  r.post("/v1/orgs/:id/workspaces", { schema: { tags, operationId: "createWorkspace", summary: "Create a workspace in an organization", params: childParams, body: createScopeBody, response: { 201: scopeSchema, ...errors(403, 409, 422) } } }, async (req, reply) =>
    sendWithEtag(reply, await scopes.createChild(contextOf(req), scopeRouteId({ kind: "orgs", id: req.params.id }), "workspace", req.body), 201),
  );

  r.get("/v1/:kind/:id", { schema: { tags, operationId: "getScope", summary: "Read a tenant, organization or workspace", params: scopeParams, response: { 200: scopeSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await scopes.read(contextOf(req), scopeRouteId(req.params))),
  );
  r.patch("/v1/:kind/:id", { schema: { tags, operationId: "updateScope", summary: "Rename a scope or change its title (If-Match honoured)", params: scopeParams, body: patchScopeBody, response: { 200: scopeSchema, ...errors(403, 409, 412) } } }, async (req, reply) =>
    sendWithEtag(reply, await scopes.update(contextOf(req), scopeRouteId(req.params), req.body)),
  );
  r.delete("/v1/:kind/:id", { schema: { tags, operationId: "deleteScope", summary: "Delete an empty scope (If-Match honoured)", params: scopeParams, response: { ...noContent, ...errors(403, 409, 412) } } }, async (req, reply) => {
    await scopes.remove(contextOf(req), scopeRouteId(req.params));
    return reply.status(204).send(null);
  });
  r.get("/v1/:kind/:id/children", { schema: { tags, operationId: "listChildScopes", summary: "The organizations of a tenant or the workspaces of an organization", params: scopeParams, querystring: cursorQuery, response: { 200: listOf(scopeSchema) } } }, async (req) =>
    page(await scopes.children(contextOf(req), scopeRouteId(req.params), req.query.limit + 1, decodeCursor(req.query.cursor)), req.query.limit),
  );
}
