import type { SwaggerTransform, SwaggerTransformObject } from "@fastify/swagger";
import type { FastifyInstance, RouteOptions } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { errorEnvelopeSchema } from "../../contract/api";

/**
 * The API contract that clients generate from: every operation has an `operationId`, a `summary`,
 * `tags`, its success answers and every error answer it can give, all in the one error envelope
 * (`contract/api.ts`). A route declares only what is its own (`...errors(403, 409)`); the hook below
 * adds what follows from where the route is and how it is called, so a new route cannot forget them.
 */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 412, 413, 414, 415, 422, 429, 500, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

const MEANING: Record<ErrorStatus, string> = {
  400: "Invalid request (validation_failed, bad_request): error.details names each field that is wrong",
  401: "Missing, unknown, revoked or expired token (unauthorized)",
  403: "The caller sees the object but lacks the role this needs; the message names the role (forbidden)",
  404: "No such object, or it is outside the caller's reach (not_found)",
  409: "The request conflicts with the current state, e.g. a handle in use or objects that depend on it (conflict)",
  412: "If-Match names a version that is no longer current; error.details holds currentVersion (precondition_failed)",
  413: "The request body is larger than the limit (payload_too_large)",
  414: "A path segment is too long (uri_too_long)",
  415: "The request body is not application/json (unsupported_media_type)",
  422: "Well-formed but refused: an Idempotency-Key reused for another request, or an object that cannot be shared (code says which)",
  429: "Rate limit exceeded; Retry-After says in how many seconds to retry (rate_limited)",
  500: "Internal error; error.requestId finds it in the service log (internal)",
  503: "A transient failure, such as a conflict with a concurrent change or the database not answering; retry (retry, not_ready)",
};

function errorResponse(status: ErrorStatus) {
  return { description: MEANING[status], content: { "application/json": { schema: errorEnvelopeSchema } } };
}

/** The error answers a route declares as its own, to spread into its `response` schema. */
export function errors(...statuses: ErrorStatus[]): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(s)]));
}

/** The error answers that follow from the route itself, not from what its service does. */
export function impliedErrors(route: { method: string; url: string }): ErrorStatus[] {
  const implied: ErrorStatus[] = [];
  if (route.url.startsWith("/v1/")) {
    // Every /v1 request authenticates, is rate limited, parses If-Match and reaches the database.
    implied.push(400, 401, 429, 500, 503);
  }
  // Fastify reads a body on every method but GET and HEAD: too large (413) or not JSON (415).
  if (route.method !== "GET") implied.push(413, 415);
  // An object named in the path may not exist (404), and a path segment may be too long (414).
  if (route.url.includes(":")) implied.push(404, 414);
  return implied;
}

type RouteSchema = NonNullable<RouteOptions["schema"]> & { operationId?: string; summary?: string; tags?: string[]; hide?: boolean; response?: Record<string, unknown> };

/**
 * Fills in each route's implied error answers as it is registered, and refuses a documented route
 * without `operationId`, `summary` or `tags`. Register it before any route.
 */
export function documentErrors(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => m === "HEAD")) return;
    const schema = (route.schema ?? {}) as RouteSchema;
    if (schema.hide) return;
    const missing = (["operationId", "summary", "tags"] as const).filter((k) => !schema[k] || (k === "tags" && !schema.tags?.length));
    if (missing.length) throw new Error(`route ${methods.join(",")} ${route.url} lacks ${missing.join(", ")} in its schema (the OpenAPI contract needs them)`);
    const response: Record<string, unknown> = { ...(schema.response ?? {}) };
    for (const method of methods) {
      for (const status of impliedErrors({ method, url: route.url })) response[status] ??= errorResponse(status);
    }
    route.schema = { ...schema, response };
  });
}

/**
 * OpenAPI 3.0 says `nullable` does not widen an `enum`: a nullable enum lists null itself
 * (OAI/OpenAPI-Specification#1900), or validators and generated clients refuse the null.
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableEnums(item);
  } else if (node && typeof node === "object") {
    const schema = node as { nullable?: unknown; enum?: unknown[] };
    if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    for (const value of Object.values(node)) nullableEnums(value);
  }
}

/**
 * zod schemas → JSON Schema for the document; an answer without a body (204) is documented
 * without content, as OpenAPI says it has none.
 */
export const transform: SwaggerTransform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  nullableEnums(out.schema);
  const response = (out.schema as { response?: Record<string, { description?: string }> } | undefined)?.response;
  if (response?.["204"]) response["204"] = { type: "null", description: response["204"].description ?? "Done; no content" } as never;
  return out;
};

/**
 * The zod schemas registered with an id become `components.schemas`; the input variant that
 * fastify-type-provider-zod derives for each (`ErrorInput`) is dropped when no operation uses it.
 */
export const transformObject: SwaggerTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const schemas = doc.components?.schemas;
  if (!schemas) return doc as ReturnType<SwaggerTransformObject>;
  const used = new Set<string>();
  let reached = JSON.stringify(doc.paths ?? {});
  for (;;) {
    const found = [...reached.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]).filter((name) => !used.has(name));
    if (!found.length) break;
    for (const name of found) used.add(name);
    reached = JSON.stringify(found.map((name) => schemas[name] ?? null));
  }
  for (const name of Object.keys(schemas)) if (name.endsWith("Input") && !used.has(name)) delete schemas[name];
  return doc as ReturnType<SwaggerTransformObject>;
};
