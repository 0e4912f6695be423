import type { FastifyReply, FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import { z } from "zod";
import { PreconditionFailedError, ValidationError } from "../errors";
import type { Principal } from "../auth/principal";

/** What a service needs to know about the request it serves. */
export interface RequestContext {
  principal: Principal;
  requestId: string;
  /** The version the client holds (`If-Match`), when it sent one. */
  ifMatch?: number;
  idempotency?: { key: string; method: string; path: string; bodyHash: string };
  /** Set when an idempotent create answered with the stored first response. */
  replayed?: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0] : header).trim();
  if (value === "*") return undefined;
  const m = /^(?:W\/)?(?:"(\d{1,9})"|(\d{1,9}))$/.exec(value);
  if (!m) throw new ValidationError('If-Match must be the version from the ETag, e.g. "3"', [{ field: "headers.if-match", message: "not a version" }]);
  return Number(m[1] ?? m[2]);
}

export function checkVersion(what: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new PreconditionFailedError(`${what} is at version ${current}, not ${expected}: someone changed it; read it again, reapply your change and retry`, {
      currentVersion: current,
      expectedVersion: expected,
    });
  }
}

export function contextOf(req: FastifyRequest): RequestContext {
  if (!req.principal) throw new Error("route registered without authentication");
  const ctx: RequestContext = { principal: req.principal, requestId: req.id, ifMatch: parseIfMatch(req.headers["if-match"]) };
  const key = req.headers["idempotency-key"];
  if (key !== undefined && req.method === "POST") {
    const k = Array.isArray(key) ? key[0] : key;
    if (!/^[\x21-\x7e]{1,255}$/.test(k)) {
      throw new ValidationError("Idempotency-Key must be 1-255 visible ASCII characters", [{ field: "headers.idempotency-key", message: "invalid" }]);
    }
    const bodyHash = createHash("sha256").update(JSON.stringify(req.body ?? null)).digest("hex");
    ctx.idempotency = { key: k, method: req.method, path: req.url, bodyHash };
  }
  return ctx;
}

export function sendWithEtag<T extends { version: number }>(reply: FastifyReply, body: T, status = 200) {
  reply.header("etag", `"${body.version}"`);
  return reply.status(status).send(body);
}

/** The response of a route that answers 204 without a body, so the OpenAPI document says so. */
export const noContent = { 204: z.null().describe("Done; no content") };
