import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { handleSchema, titleSchema } from "../../contract/handles";
import { idSchema, scopeIdSchema } from "../../contract/ids";
import { errors } from "../http/openapi";
import { contextOf, noContent, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, encodeCursor, listOf } from "../http/pagination";
import { scopeParams, scopeRouteId } from "../scopes/routes";
import { ROLES } from "./principal";
import type { AuthService } from "./service";

const roleSchema = z.enum(ROLES, { error: () => `expected one of: ${ROLES.join(", ")}` });

const userSchema = z.object({ id: z.string(), handle: z.string(), title: z.string(), isAdmin: z.boolean(), version: z.number(), createdAt: z.string(), createdBy: z.string().nullable() });
const tokenSchema = z.object({
  id: z.string(),
  prefix: z.string(),
  name: z.string(),
  userId: z.string().nullable(),
  scopeId: z.string().nullable(),
  role: roleSchema.nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
const memberSchema = z.object({ scopeId: z.string(), userId: z.string(), userHandle: z.string(), userTitle: z.string(), role: roleSchema, version: z.number(), createdAt: z.string(), updatedAt: z.string() });

const createTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(128),
    userId: idSchema("user").optional(),
    scopeId: scopeIdSchema.optional(),
    role: roleSchema.optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.userId === undefined) === (b.scopeId === undefined)) {
      ctx.addIssue({ code: "custom", path: ["userId"], message: "send userId (a user's token) or scopeId + role (a service token)" });
    }
    if (b.scopeId !== undefined && b.role === undefined) ctx.addIssue({ code: "custom", path: ["role"], message: "a service token needs a role" });
    if (b.userId !== undefined && b.role !== undefined) ctx.addIssue({ code: "custom", path: ["role"], message: "a user's token acts with the user's roles; role is for service tokens" });
  });

export function authRoutes(app: FastifyInstance, auth: AuthService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["people"];
  r.get("/v1/me", { schema: { tags, operationId: "getMe", summary: "Who the token acts for", response: { 200: z.object({ tokenId: z.string(), userId: z.string().nullable(), isAdmin: z.boolean(), roles: z.array(z.object({ scopeId: z.string(), role: roleSchema })) }) } } }, async (req) =>
    auth.me(contextOf(req)),
  );
  r.post("/v1/users", { schema: { tags, operationId: "createUser", summary: "Create a user (administrators and scope owners)", body: z.strictObject({ handle: handleSchema, title: titleSchema.optional() }), response: { 201: userSchema, ...errors(403, 409, 422) } } }, async (req, reply) =>
    sendWithEtag(reply, await auth.createUser(contextOf(req), req.body), 201),
  );
  r.post(
    "/v1/tokens",
    { schema: { tags, operationId: "createToken", summary: "Create an API token; the secret is in this answer only", body: createTokenBody, response: { 201: tokenSchema.extend({ token: z.string() }), ...errors(403, 404, 409, 422) } } },
    async (req, reply) => reply.status(201).send(await auth.createToken(contextOf(req), req.body)),
  );
  r.delete("/v1/tokens/:id", { schema: { tags, operationId: "revokeToken", summary: "Revoke a token", params: z.object({ id: idSchema("token") }), response: { ...noContent, ...errors(403) } } }, async (req, reply) => {
    await auth.revokeToken(contextOf(req), req.params.id);
    return reply.status(204).send(null);
  });
  r.get("/v1/:kind/:id/members", { schema: { tags, operationId: "listMembers", summary: "The members of a scope and their roles", params: scopeParams, querystring: cursorQuery, response: { 200: listOf(memberSchema) } } }, async (req) => {
    const rows = await auth.listMembers(contextOf(req), scopeRouteId(req.params), req.query.limit + 1, decodeCursor(req.query.cursor));
    const more = rows.length > req.query.limit;
    const items = rows.slice(0, req.query.limit);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].userId) : null };
  });
  const memberParams = scopeParams.extend({ userId: idSchema("user") });
  r.get("/v1/:kind/:id/members/:userId", { schema: { tags, operationId: "getMember", summary: "One user's role at a scope", params: memberParams, response: { 200: memberSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await auth.getMember(contextOf(req), scopeRouteId(req.params), req.params.userId)),
  );
  r.put("/v1/:kind/:id/members/:userId", { schema: { tags, operationId: "setMemberRole", summary: "Give a user a role at a scope (owners)", params: memberParams, body: z.strictObject({ role: roleSchema }), response: { 200: memberSchema, ...errors(403, 412) } } }, async (req, reply) =>
    sendWithEtag(reply, await auth.putMember(contextOf(req), scopeRouteId(req.params), req.params.userId, req.body.role)),
  );
  r.delete("/v1/:kind/:id/members/:userId", { schema: { tags, operationId: "removeMember", summary: "Remove a user's role at a scope (owners)", params: memberParams, response: { ...noContent, ...errors(403, 412) } } }, async (req, reply) => {
    await auth.deleteMember(contextOf(req), scopeRouteId(req.params), req.params.userId);
    return reply.status(204).send(null);
  });
}
