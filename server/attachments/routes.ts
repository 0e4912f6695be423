import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { attachmentSchema, createAttachmentBody } from "../../contract/api";
import { handleSchema } from "../../contract/handles";
import { idSchema } from "../../contract/ids";
import { errors } from "../http/openapi";
import { contextOf, noContent, sendWithEtag } from "../http/context";
import { cursorQuery, decodeCursor, listOf } from "../http/pagination";
import { page } from "../scopes/routes";
import type { AttachmentService } from "./service";

const workspaceParams = z.object({ id: idSchema("workspace") });
const attachmentParams = z.object({ id: idSchema("attachment") });

export function attachmentRoutes(app: FastifyInstance, attachments: AttachmentService) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["attachments"];

  r.post(
    "/v1/workspaces/:id/attachments",
    {
      schema: {
        tags,
        operationId: "createAttachment", summary: "Attach a connection or folder available to the workspace (Idempotency-Key honoured); refused when a schema name would collide",
        params: workspaceParams,
        body: createAttachmentBody,
        response: { 201: attachmentSchema, ...errors(403, 409, 422) },
      },
    },
    async (req, reply) => sendWithEtag(reply, await attachments.create(contextOf(req), req.params.id, req.body), 201),
  );

  r.get(
    "/v1/workspaces/:id/attachments",
    { schema: { tags, operationId: "listAttachments", summary: "A workspace's attachments", params: workspaceParams, querystring: cursorQuery, response: { 200: listOf(attachmentSchema) } } },
    async (req) => page(await attachments.list(contextOf(req), req.params.id, req.query.limit + 1, decodeCursor(req.query.cursor)), req.query.limit),
  );

  r.get("/v1/attachments/:id", { schema: { tags, operationId: "getAttachment", summary: "Read an attachment", params: attachmentParams, response: { 200: attachmentSchema } } }, async (req, reply) =>
    sendWithEtag(reply, await attachments.read(contextOf(req), req.params.id)),
  );

  r.delete("/v1/attachments/:id", { schema: { tags, operationId: "deleteAttachment", summary: "Detach (If-Match honoured)", params: attachmentParams, response: { ...noContent, ...errors(403, 409, 412) } } }, async (req, reply) => {
    await attachments.remove(contextOf(req), req.params.id);
    return reply.status(204).send(null);
  });

  r.delete(
    "/v1/workspaces/:id/schemas/:name",
    {
      schema: {
        tags,
        operationId: "detachSchema", summary: "Detach the schema of that name where it was attached directly; one present through a folder is refused, naming the folder",
        params: workspaceParams.extend({ name: handleSchema }),
        response: { ...noContent, ...errors(403, 409) },
      },
    },
    async (req, reply) => {
      await attachments.detachSchema(contextOf(req), req.params.id, req.params.name);
      return reply.status(204).send(null);
    },
  );
}
