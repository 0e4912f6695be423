import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { contextOf } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import { scopeParams, scopeRouteId } from "../scopes/routes";
import type { ScopeService } from "../scopes/service";
import { listAudit } from "./store";
import type { Db } from "../db/db";
import { requireRole } from "../auth/principal";
import { NotFoundError, ValidationError } from "../errors";

export const auditRecordSchema = z.object({
  seq: z.number(),
  scopePath: z.array(z.string()),
  actorId: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  at: z.string(),
});

export function auditRoutes(app: FastifyInstance, deps: { db: Db; scopes: ScopeService }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/v1/:kind/:id/audit",
    {
      schema: {
        tags: ["audit"],
        operationId: "listAuditRecords", summary: "The audit log of a scope and everything below it, newest first",
        params: scopeParams,
        querystring: cursorQuery.extend({ action: z.string().max(64).optional() }),
        response: { 200: listOf(auditRecordSchema) },
      },
    },
    async (req) => {
      const ctx = contextOf(req);
      const scopeId = scopeRouteId(req.params);
      const scope = await deps.scopes.get(deps.db, scopeId);
      if (!scope) throw new NotFoundError("scope");
      requireRole(ctx.principal, scope.path, "viewer", "scope");
      const before = decodeCursor(req.query.cursor);
      if (before !== undefined && !/^\d{1,18}$/.test(before)) {
        throw new ValidationError("cursor is not one this service issued; pass nextCursor from the previous page", [{ field: "querystring.cursor", message: "invalid cursor" }]);
      }
      const limit = req.query.limit;
      const rows = await listAudit(deps.db, scopeId, limit + 1, before === undefined ? undefined : Number(before), req.query.action);
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          seq: Number(r.seq),
          scopePath: r.scope_path,
          actorId: r.actor_id,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          before: r.before,
          after: r.after,
          requestId: r.request_id,
          at: new Date(r.at).toISOString(),
        })),
        nextCursor: rows.length > limit ? encodeCursor(String(page[page.length - 1].seq)) : null,
      };
    },
  );
}
