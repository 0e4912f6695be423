import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { buildApp } from "../../../server/app";
import type { Db } from "../../../server/db/db";
import { createSecretBox } from "../../../server/secrets";
import { PLUGIN_TYPES } from "../../../contract/plugins";
import { describeEachDb, scopePath } from "../../helpers/app";
import { SCOPED_ROUTES, SHARING_ROUTE, UNSCOPED_ROUTES } from "../../helpers/routes";

describeEachDb("the service's own routes (SPEC §7.1)", (ctx) => {
  it("GET /openapi.json is a valid OpenAPI 3 document listing every route", async () => {
    const doc = await ctx.t.expect(200, "GET", "/openapi.json", { token: null });
    expect(doc.openapi).to.match(/^3\./);
    await SwaggerParser.validate(structuredClone(doc));
    for (const r of [...SCOPED_ROUTES, ...UNSCOPED_ROUTES]) {
      expect(doc.paths[r.openapi]?.[r.method.toLowerCase()], `${r.method} ${r.openapi}`).to.be.an("object");
    }
    expect(doc.paths["/healthz"]).to.have.property("get");
    expect(doc.components.securitySchemes.bearer).to.include({ type: "http", scheme: "bearer" });
  });

  it("the OpenAPI document is generated from the zod schemas that validate requests and responses", async () => {
    const doc = await ctx.t.expect(200, "GET", "/openapi.json", { token: null });
    const create = doc.paths["/v1/{kind}/{id}/connections"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).to.include.members(["plugin", "config"]);
    expect(body.properties.plugin.enum).to.deep.equal(PLUGIN_TYPES);
    expect(body.additionalProperties).to.equal(false);
    expect(create.responses["201"].content["application/json"].schema.properties).to.include.keys("id", "handle", "config", "version");
    // every operation that takes a body says so, and every answer with a body has a schema
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { content?: unknown }> }>>)) {
      if (SHARING_ROUTE.test(path)) continue; // the sharing model's routes are checked by its own tests
      for (const [method, op] of Object.entries(ops)) {
        if (["post", "put", "patch"].includes(method) && !path.endsWith("/test") && !/\/connections\/\{id\}\/test$/.test(path)) {
          expect(op.requestBody, `${method} ${path} request body`).to.be.an("object");
        }
        const ok = Object.entries(op.responses).filter(([code]) => /^2/.test(code) && code !== "204");
        expect(ok.length + (op.responses["204"] ? 1 : 0), `${method} ${path} documents its success`).to.be.above(0);
        for (const [code, res] of ok) if (!["/healthz", "/readyz"].includes(path)) expect(res.content, `${method} ${path} ${code}`).to.be.an("object");
      }
    }
  });

  it("GET /docs serves the interactive API documentation", async () => {
    let res = await ctx.t.get("/docs", { token: null });
    if (res.status === 302) res = await ctx.t.get(String(res.headers.location), { token: null });
    expect(res.status).to.equal(200);
    expect(String(res.headers["content-type"])).to.contain("text/html");
    expect(res.raw.toLowerCase()).to.contain("swagger");
  });

  it("GET /healthz answers without a token; GET /readyz checks the database", async () => {
    expect(await ctx.t.expect(200, "GET", "/healthz", { token: null })).to.deep.equal({ status: "ok" });
    expect(await ctx.t.expect(200, "GET", "/readyz", { token: null })).to.deep.equal({ status: "ready", database: ctx.kind });
  });

  it("GET /readyz answers 503 in the envelope when the database does not answer", async () => {
    const broken: Db = {
      kind: ctx.kind,
      query: () => Promise.reject(new Error("connection refused")),
      execScript: () => Promise.reject(new Error("connection refused")),
      transaction: () => Promise.reject(new Error("connection refused")),
      close: async () => undefined,
    };
    const app = await buildApp({ db: broken, box: createSecretBox(randomBytes(32)) });
    try {
      const res = await app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).to.equal(503);
      expect(JSON.parse(res.body).error).to.include({ code: "not_ready" }).and.have.property("requestId");
      expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(200);
    } finally {
      await app.close();
    }
  });
});

describeEachDb(
  "request body size limit (SPEC §7.2)",
  (ctx) => {
    it("a body over the limit is refused with 413 in the envelope, and nothing is created", async () => {
      const { tenant } = await ctx.t.hierarchy();
      const res = await ctx.t.post(`/v1/${scopePath(tenant)}/connections`, { plugin: "custom", config: { blob: "x".repeat(5000) } });
      expect(res.status).to.equal(413);
      expect(res.body.error).to.include({ code: "payload_too_large" }).and.have.property("requestId");
      expect((await ctx.t.get(`/v1/${scopePath(tenant)}/connections`)).body.items).to.deep.equal([]);
      await ctx.t.expect(201, "POST", `/v1/${scopePath(tenant)}/connections`, { body: { plugin: "custom", config: { small: "x" } } });
    });
  },
  { bodyLimit: 4096 },
);
