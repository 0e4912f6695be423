import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { isDatabaseUnavailable, sqlState } from "./db/db";

/** One error class per meaning; the handler below maps each to one status and one envelope. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, "validation_failed", message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = "missing or invalid token: send Authorization: Bearer <token>") {
    super(401, "unauthorized", message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, "not_found", `${what} not found`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, "conflict", message, details);
  }
}
export class PreconditionFailedError extends AppError {
  constructor(message: string, details?: unknown) {
    super(412, "precondition_failed", message, details);
  }
}
export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}

/**
 * The database cannot be reached, or did not answer in time (SPEC §7.1). Answered with
 * `Retry-After`; the service recovers by itself when the database returns.
 */
export class ServiceUnavailableError extends AppError {
  constructor(
    message = "the database cannot be reached right now; retry after the time in Retry-After (a create with the same Idempotency-Key)",
    readonly retryAfterSeconds = 2,
  ) {
    super(503, "service_unavailable", message);
  }
}

/**
 * A stored secret that the configured key cannot decrypt: the key changed, or the row was altered
 * outside the service (e.g. a ciphertext copied from another connection). The service's fault,
 * not the client's; the message names the field and never a value.
 */
export class SecretUnreadableError extends AppError {
  constructor(field: string) {
    super(
      500,
      "secret_unreadable",
      `the stored secret config.${field} of this connection cannot be decrypted with the configured key (was SWITCHYARD_SECRET_KEY or the key file changed, or the row altered outside the service?); set the secret again`,
      { field: `config.${field}` },
    );
  }
}

/** PostgreSQL errors that a client's request can provoke, by SQLSTATE. */
function fromDatabase(err: unknown): AppError | undefined {
  switch (sqlState(err)) {
    case "23505": {
      // The constraint's name (not the message text) tells which field collided.
      const constraint = (err as { constraint?: unknown }).constraint;
      const field = typeof constraint === "string" && constraint.includes("handle") ? { field: "handle" } : undefined;
      return new ConflictError("an object with the same unique name already exists; choose another handle", field);
    }
    case "23503":
      return new ConflictError("a referenced object does not exist or is still in use");
    case "23514":
      return new ValidationError("the request breaks a rule of the data model");
    case "22P02":
    case "22001":
    case "22003":
    case "22021":
    case "22P05":
    case "22007":
    case "22008":
      return new ValidationError("a value in the request has the wrong format");
    case "SY001":
      return new ConflictError("the move would create a cycle: a folder cannot be moved below itself");
    case "SY002":
      return new ConflictError("folders nest at most 32 levels deep");
    case "40001":
    case "40P01":
      return new AppError(503, "retry", "the request conflicted with a concurrent change; retry it");
    default:
      return undefined;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: "not_found", message: `no route ${req.method} ${req.url.split("?")[0]}`, requestId: req.id } });
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    let appError: AppError | undefined;
    if (err instanceof AppError) {
      appError = err;
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? "body";
      const details = err.validation.map((v) => {
        // fastify-type-provider-zod reports each zod issue with its path as a JSON pointer and
        // the rest of the issue (e.g. the unknown `keys`) in `params`.
        const segments = (v.instancePath ?? "").split("/").filter(Boolean);
        const keys = Array.isArray(v.params?.keys) ? (v.params.keys as string[]) : [];
        if (v.keyword === "unrecognized_keys" && keys.length === 1) segments.push(keys[0]);
        const path = formatPath(segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
        const field = [where, path].filter(Boolean).join(".");
        const listed = keys.length ? ` (${keys.join(", ")})` : "";
        return { field, message: `${v.message ?? "invalid"}${listed}` };
      });
      const summary = details.map((d) => `${d.field}: ${d.message}`).join("; ");
      appError = new ValidationError(`invalid request: ${summary}`, details);
    } else if (isResponseSerializationError(err)) {
      req.log.error({ err: { message: err.message } }, "response failed its schema");
    } else if (isDatabaseUnavailable(err)) {
      appError = new ServiceUnavailableError();
      req.log.warn({ sqlState: sqlState(err), errno: (err as { code?: unknown }).code }, "database unavailable");
    } else if (sqlState(err)) {
      appError = fromDatabase(err);
      if (!appError) req.log.error({ sqlState: sqlState(err) }, "database error");
    } else if ("statusCode" in err && typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
      const code = err.statusCode === 413 ? "payload_too_large" : err.statusCode === 415 ? "unsupported_media_type" : err.statusCode === 429 ? "rate_limited" : "bad_request";
      appError = new AppError(err.statusCode, code, err.message);
    } else {
      req.log.error({ err: { message: err.message, stack: err.stack } }, "unexpected error");
    }
    const e = appError ?? new AppError(500, "internal", "internal error; the request id identifies it in the service log");
    if (appError && appError.status >= 500 && !(appError instanceof ServiceUnavailableError)) req.log.error({ code: appError.code }, appError.message);
    if (e.status === 503) reply.header("retry-after", String(e instanceof ServiceUnavailableError ? e.retryAfterSeconds : 1));
    const body: { error: Record<string, unknown> } = { error: { code: e.code, message: e.message, requestId: req.id } };
    if (e.details !== undefined) body.error.details = e.details;
    reply.status(e.status).send(body);
  });
}

/**
 * Errors the router raises before any route or hook runs (a malformed percent-encoding, an
 * overlong path segment): answered in the same envelope as every other error.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const [status, code, message] =
    err.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? [414, "uri_too_long", "a path segment is too long: ids are at most 64 characters"]
      : err.code === "FST_ERR_BAD_URL"
        ? [400, "bad_request", "the URL is not valid: a path segment has a malformed percent-encoding"]
        : [500, "internal", "internal error; the request id identifies it in the service log"];
  if (status === 500) req.log.error({ code: err.code }, "router error");
  reply
    .status(status)
    .header("x-request-id", req.id)
    .send({ error: { code, message, details: status === 500 ? undefined : [{ field: "params", message }], requestId: req.id } });
}
