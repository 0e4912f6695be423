import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { createHash, randomUUID } from "node:crypto";
import { auditRoutes } from "./audit/routes";
import { authHook, authRoutes } from "./auth/routes";
import { createAuthService } from "./auth/service";
import { connectionRoutes } from "./connections/routes";
import { createConnectionService } from "./connections/service";
import type { Db } from "./db/db";
import { AppError, frameworkErrorHandler, registerErrorHandler } from "./errors";
import { integrationRoutes } from "./integrations/routes";
import { createIntegrationService } from "./integrations/service";
import { scopeRoutes } from "./scopes/routes";
import { createScopeService } from "./scopes/service";
import type { SecretBox } from "./secrets";
import { createSharing } from "./sharing";

export interface AppOptions {
  db: Db;
  box: SecretBox;
  /** Requests per minute per token. */
  rateLimit?: number;
  bodyLimit?: number;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
}

export const SERVICE_VERSION = "0.1.0";

/** Builds the service over a database; `main.ts` only starts it. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const logger =
    opts.logger === undefined || opts.logger === false
      ? false
      : {
          level: opts.logger === true ? "info" : opts.logger.level,
          ...(opts.logger !== true && opts.logger.stream ? { stream: opts.logger.stream } : {}),
          redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
        };
  const app = Fastify({
    logger,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Switchyard", description: "Control plane for data-source connections", version: SERVICE_VERSION },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });

  await app.register(fastifyRateLimit, {
    max: opts.rateLimit ?? 6000,
    timeWindow: 60_000,
    allowList: (req) => !req.url.startsWith("/v1/"),
    // One bucket per token (its hash, never the token itself), or per address without one.
    keyGenerator: (req) => {
      const auth = req.headers.authorization;
      return auth ? `t:${createHash("sha256").update(auth).digest("base64url").slice(0, 22)}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => new AppError(429, "rate_limited", `rate limit of ${ctx.max} requests per minute exceeded; retry after ${Math.ceil(ctx.ttl / 1000)} s (Retry-After)`),
  });

  const scopes = createScopeService(opts.db);
  const auth = createAuthService(opts.db, scopes);
  const sharing = createSharing({ db: opts.db, scopes, box: opts.box });
  const connections = createConnectionService({ db: opts.db, scopes, box: opts.box, sharing: sharing.forConnections });

  app.get("/healthz", { schema: { tags: ["service"], hide: false } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { tags: ["service"] } }, async (_req, reply) => {
    try {
      await opts.db.query("SELECT 1");
      return { status: "ready", database: opts.db.kind };
    } catch {
      return reply.status(503).send({ error: { code: "not_ready", message: "the database does not answer", requestId: _req.id } });
    }
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  authHook(app, auth);
  authRoutes(app, auth);
  scopeRoutes(app, scopes);
  connectionRoutes(app, connections);
  sharing.routes(app, connections);
  integrationRoutes(app, createIntegrationService({ db: opts.db, scopes, box: opts.box }));
  auditRoutes(app, { db: opts.db, scopes });

  return app;
}
