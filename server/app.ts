import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { auditRoutes } from "./audit/routes";
import { AUTH_CHANNEL, createPrincipalCache } from "./auth/cache";
import { guardRequests } from "./auth/guard";
import { authRoutes } from "./auth/routes";
import { createAuthService } from "./auth/service";
import { connectionRoutes } from "./connections/routes";
import { createConnectionService } from "./connections/service";
import type { Db } from "./db/db";
import { AppError, frameworkErrorHandler, registerErrorHandler } from "./errors";
import { documentErrors, errors, transform, transformObject } from "./http/openapi";
import { integrationRoutes } from "./integrations/routes";
import { createIntegrationService } from "./integrations/service";
import { scopeRoutes } from "./scopes/routes";
import { createScopeService } from "./scopes/service";
import type { SecretBox } from "./secrets";
import { createSharing } from "./sharing";

export interface AppOptions {
  db: Db;
  box: SecretBox;
  /** Requests per minute per identity (user or service token), and per client address without a valid token. */
  rateLimit?: number;
  bodyLimit?: number;
  /** Longest an authenticated token is kept in memory, ms (default 5,000; 0 turns the cache off). */
  authCacheTtlMs?: number;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
}

export const SERVICE_VERSION = "0.1.0";

/** The groups of operations in the OpenAPI document. */
const TAGS = [
  { name: "service", description: "Liveness and readiness, without a token" },
  { name: "people", description: "Users, API tokens and the roles of members at scopes" },
  { name: "scopes", description: "Tenants, organizations and workspaces" },
  { name: "connections", description: "Connections, the plugin catalog and connection checks" },
  { name: "folders", description: "Folders that hold connections within a scope" },
  { name: "grants", description: "Sharing a connection or folder with scopes below its owner" },
  { name: "attachments", description: "What a workspace attaches, and so holds as schemas" },
  { name: "workspaces", description: "A workspace's schemas and credentials, and where a connection is used" },
  { name: "audit", description: "The audit log of a scope" },
];

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
  documentErrors(app);
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Switchyard",
        description: "Control plane for data-source connections. Every error answer is the envelope `Error`; see each operation for the statuses it can give.",
        version: SERVICE_VERSION,
        license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
      },
      // Relative: the document is served by the service it describes, wherever that is reached.
      servers: [{ url: "/", description: "the service serving this document" }],
      tags: TAGS,
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform,
    transformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });

  const principals = createPrincipalCache({ ttlMs: opts.authCacheTtlMs ?? 5_000 });
  if (opts.db.listen && principals.ttlMs > 0) {
    const stop = await opts.db.listen(AUTH_CHANNEL, { notify: () => principals.invalidate(), live: (live) => principals.setLive(live) });
    app.addHook("onClose", async () => stop());
  }
  app.decorate("principalCache", principals);
  const scopes = createScopeService(opts.db, { authChanged: () => principals.invalidate() });
  const auth = createAuthService(opts.db, scopes, principals);
  const sharing = createSharing({ db: opts.db, scopes, box: opts.box });
  const connections = createConnectionService({ db: opts.db, scopes, box: opts.box, sharing: sharing.forConnections });

  await guardRequests(app, auth, { rateLimit: opts.rateLimit ?? 6000 });

  const service = { tags: ["service"], security: [] };
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get("/healthz", { schema: { ...service, operationId: "getHealth", summary: "Whether the process answers (no token needed)", response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({ status: "ok" as const }));
  const ready = z.object({ status: z.literal("ready"), database: z.enum(["pglite", "postgres"]) });
  r.get("/readyz", { schema: { ...service, operationId: "getReadiness", summary: "Whether the database answers (no token needed)", response: { 200: ready, ...errors(503) } } }, async () => {
    try {
      await opts.db.query("SELECT 1");
    } catch {
      throw new AppError(503, "not_ready", "the database does not answer");
    }
    return { status: "ready" as const, database: opts.db.kind };
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  authRoutes(app, auth);
  scopeRoutes(app, scopes);
  connectionRoutes(app, connections);
  sharing.routes(app, connections);
  integrationRoutes(app, createIntegrationService({ db: opts.db, scopes, box: opts.box }));
  auditRoutes(app, { db: opts.db, scopes });

  return app;
}
