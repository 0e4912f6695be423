import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Exchange } from "./app";

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

/** The OpenAPI path of a Fastify route: `/v1/:kind/:id` → `/v1/{kind}/{id}`. */
export function openapiPath(route: string): string {
  return route.replace(/:(\w+)/g, "{$1}");
}

/**
 * Checks answers against the OpenAPI document the service serves: the operation exists, it lists
 * the status, the content type is one it lists (or there is no body where it lists none), and the
 * body validates against the schema (ajv over the dereferenced document; OpenAPI 3.0's `nullable`
 * is an ajv keyword). Returns what is wrong with an exchange, or undefined when it is described.
 */
export async function contractChecker(doc: object): Promise<(x: Exchange) => string | undefined> {
  const api = (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<object, ValidateFunction>();

  return (x) => {
    const what = `${x.method} ${x.url} → ${x.status}`;
    if (!x.route) return `${what}: no route answered`;
    const op = api.paths[openapiPath(x.route)]?.[x.method.toLowerCase()];
    if (!op) return `${what}: the document has no operation ${x.method} ${openapiPath(x.route)}`;
    const res = op.responses[String(x.status)];
    if (!res) return `${what}: ${op.operationId} does not list ${x.status} (it lists ${Object.keys(op.responses).join(", ")}): ${x.body.slice(0, 200)}`;
    if (!res.content) return x.body === "" ? undefined : `${what}: ${op.operationId} lists no body for ${x.status}, but one came`;
    const media = (x.contentType ?? "").split(";")[0].trim();
    const listed = res.content[media];
    if (!listed) return `${what}: content type "${media}" is not among ${Object.keys(res.content).join(", ")}`;
    let body: unknown;
    try {
      body = JSON.parse(x.body);
    } catch {
      return `${what}: the body is not JSON: ${x.body.slice(0, 200)}`;
    }
    let validate = compiled.get(listed.schema);
    if (!validate) {
      validate = ajv.compile(listed.schema);
      compiled.set(listed.schema, validate);
    }
    return validate(body) ? undefined : `${what}: the body does not match ${op.operationId}'s ${x.status} schema: ${ajv.errorsText(validate.errors)}: ${x.body.slice(0, 300)}`;
  };
}
