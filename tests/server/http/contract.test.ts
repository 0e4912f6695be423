import fastifySwagger from "@fastify/swagger";
import { expect } from "chai";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { registerErrorHandler } from "../../../server/errors";
import { documentErrors, errors, transform, transformObject } from "../../../server/http/openapi";
import { describeEachDb } from "../../helpers/app";
import { contractChecker } from "../../helpers/openapi";

type Doc = { paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[]; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>> };

/** The operationIds clients generate method names from: renaming one breaks them, so the list is pinned. */
const OPERATION_IDS = [
  "getHealth", "getReadiness", "getMe", "createUser", "createToken", "revokeToken", "listMembers", "setMemberRole", "removeMember",
  "createTenant", "listTenants", "createOrg", "createWorkspace", "getScope", "updateScope", "deleteScope", "listChildScopes",
  "listPlugins", "createConnection", "listConnections", "testNewConnection", "getConnection", "updateConnection", "deleteConnection", "testConnection",
  "createFolder", "listFolders", "getTree", "getFolder", "updateFolder", "deleteFolder",
  "createGrant", "listGrants", "getGrant", "revokeGrant",
  "createAttachment", "listAttachments", "getAttachment", "deleteAttachment", "detachSchema",
  "listWorkspaceSchemas", "getCredentials", "listConnectionWorkspaces", "listAuditRecords",
];

function operations(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, path, method, op })));
}

describeEachDb("the OpenAPI document is a contract clients can generate from", (ctx) => {
  let doc: Doc;
  before(async () => {
    doc = await ctx.t.expect(200, "GET", "/openapi.json", { token: null });
  });

  it("every operation has a stable camelCase operationId, a summary and tags", () => {
    const ops = operations(doc);
    for (const { label, op } of ops) {
      expect(op.operationId, label).to.match(/^[a-z][a-zA-Z]+$/);
      expect(op.summary, label).to.be.a("string").and.not.equal("");
      expect(op.tags, label).to.be.an("array").that.is.not.empty;
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size, "operationIds are unique").to.equal(ids.length);
    // the pinned list; other areas' operations (e.g. integrations) are checked by the rules above
    expect(ids).to.include.members(OPERATION_IDS);
  });

  it("every error answer is the one Error envelope, and each operation lists the errors it can give", () => {
    const schemas = (doc as unknown as { components: { schemas: Record<string, { properties: Record<string, { required: string[] }> }> } }).components.schemas;
    expect(schemas.Error.properties.error.required).to.have.members(["code", "message", "requestId"]);
    for (const { label, path, method, op } of operations(doc)) {
      const codes = Object.keys(op.responses).map(Number);
      for (const code of codes.filter((c) => c >= 400)) {
        expect(op.responses[code].content?.["application/json"]?.schema.$ref, `${label} ${code}`).to.equal("#/components/schemas/Error");
      }
      if (!path.startsWith("/v1/")) continue;
      expect(codes, label).to.include.members([400, 401, 429, 500, 503]);
      if (method !== "get") expect(codes, label).to.include.members([413, 415]);
      if (path.includes("{")) expect(codes, label).to.include.members([404]);
    }
    const statuses = (id: string) => Object.keys(operations(doc).find((o) => o.op.operationId === id)!.op.responses).map(Number);
    expect(statuses("updateConnection")).to.include.members([403, 409, 412]);
    expect(statuses("createGrant")).to.include.members([403, 404, 409, 422]);
    expect(statuses("getMe")).to.not.include.members([403, 404, 412]);
    expect(statuses("getReadiness")).to.include(503);
  });

  it("has servers and the Apache-2.0 license, as package.json", () => {
    const info = doc as unknown as { servers: { url: string }[]; info: { license: { name: string; url: string } } };
    expect(info.servers).to.have.length.above(0);
    expect(info.info.license).to.deep.equal({ name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" });
  });

  it("passes `redocly lint` with the recommended rules (redocly.yaml): 0 errors, only the warnings it explains", async function () {
    this.timeout(60_000);
    const dir = await mkdtemp(join(tmpdir(), "switchyard-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      await writeFile(file, JSON.stringify(doc, null, 2));
      const cli = join(__dirname, "../../../node_modules/@redocly/cli/bin/cli.js");
      const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
      const { stdout } = await promisify(execFile)(process.execPath, [cli, "lint", "--config", join(__dirname, "../../../redocly.yaml"), "--format=json", file], { env, maxBuffer: 16 << 20 });
      const report = JSON.parse(stdout) as { totals: { errors: number }; problems: { ruleId: string; severity: string; location: { pointer: string }[] }[] };
      const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}`);
      expect(report.totals.errors, problems.join("\n")).to.equal(0);
      expect(problems).to.have.members(["warn operation-4xx-response #/paths/~1healthz/get/responses", "warn operation-4xx-response #/paths/~1readyz/get/responses"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the answer checker refuses what the document does not describe", async () => {
    const check = await contractChecker(doc);
    const me = { method: "GET", route: "/v1/me", url: "/v1/me", contentType: "application/json; charset=utf-8" };
    const envelope = JSON.stringify({ error: { code: "x", message: "y", requestId: "r" } });
    expect(check({ ...me, status: 401, body: envelope })).to.equal(undefined);
    expect(check({ ...me, status: 409, body: envelope })).to.contain("does not list 409");
    expect(check({ ...me, status: 401, body: JSON.stringify({ error: { code: "x" } }) })).to.contain("does not match");
    expect(check({ ...me, status: 200, body: JSON.stringify({ tokenId: "t", userId: null, isAdmin: "yes", roles: [] }) })).to.contain("does not match");
    expect(check({ ...me, status: 401, contentType: "text/plain", body: "no" })).to.contain("content type");
    expect(check({ ...me, route: "/v1/nothing", status: 200, body: "{}" })).to.contain("no operation");
  });
});

describe("the contract mechanism covers routes added later (e.g. server/integrations)", () => {
  async function appWith(register: (r: ReturnType<ReturnType<typeof Fastify>["withTypeProvider"]>) => void) {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerErrorHandler(app);
    documentErrors(app);
    await app.register(fastifySwagger, { openapi: { info: { title: "t", version: "1" } }, transform, transformObject });
    register(app.withTypeProvider<ZodTypeProvider>());
    await app.ready();
    return app;
  }

  it("a route that declares only its operationId, summary, tags and success gets the errors it implies", async () => {
    const app = await appWith((r) =>
      r.post("/v1/integrations/:id/sync", { schema: { operationId: "syncIntegration", summary: "Sync", tags: ["integrations"], params: z.object({ id: z.string() }), response: { 200: z.object({ ok: z.boolean() }), ...errors(409) } } }, async () => ({ ok: true })),
    );
    const op = (app.swagger() as unknown as Doc).paths["/v1/integrations/{id}/sync"].post;
    expect(Object.keys(op.responses).map(Number)).to.have.members([200, 400, 401, 404, 409, 413, 414, 415, 429, 500, 503]);
    const res = await app.inject({ method: "POST", url: "/v1/integrations/x/sync", headers: { "content-type": "application/xml" }, payload: "<a/>" });
    expect(res.statusCode).to.equal(415);
    expect(JSON.parse(res.body).error).to.include({ code: "unsupported_media_type" });
    await app.close();
  });

  it("a documented route without operationId, summary or tags is refused when it is registered", async () => {
    let refused: Error | undefined;
    try {
      await appWith((r) => r.get("/v1/integrations", { schema: { summary: "List", tags: ["integrations"] } }, async () => ({})));
    } catch (err) {
      refused = err as Error;
    }
    expect(refused?.message).to.contain("GET /v1/integrations lacks operationId");
  });
});
