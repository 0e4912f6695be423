import { expect } from "chai";
import Fastify from "fastify";
import { registerErrorHandler } from "../../server/errors";
import { DatabaseUnavailableError } from "../../server/db/db";
import { describeEachDb, scopePath, type ApiResponse } from "../helpers/app";

const ENVELOPE_KEYS = ["code", "message", "details", "requestId"];

function expectEnvelope(res: ApiResponse, status: number, code: string) {
  expect(res.status, res.raw).to.equal(status);
  expect(Object.keys(res.body), res.raw).to.deep.equal(["error"]);
  expect(ENVELOPE_KEYS, res.raw).to.include.members(Object.keys(res.body.error));
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a("string").and.not.equal("");
  expect(res.body.error.requestId).to.be.a("string").and.equal(res.headers["x-request-id"]);
}

describeEachDb("one error envelope for every error (SPEC §7.2)", (ctx) => {
  it("every kind of error answers { error: { code, message, details?, requestId } }", async () => {
    const t = ctx.t;
    const { tenant, ws } = await t.hierarchy();
    const viewer = await t.user({ path: scopePath(ws), role: "viewer" });
    const c = await t.expect(201, "POST", `/v1/${scopePath(ws)}/connections`, { body: { plugin: "custom", handle: "env_taken", config: {} } });
    const idem = { "idempotency-key": t.unique("k") };
    await t.expect(201, "POST", "/v1/users", { body: { handle: t.unique("u") }, headers: idem });

    const bad = await t.post(`/v1/${scopePath(ws)}/connections`, { plugin: "custom", config: {}, handle: "Bad" });
    expectEnvelope(bad, 400, "validation_failed");
    expect(bad.body.error.details).to.deep.equal([{ field: "body.handle", message: bad.body.error.details[0].message }]);
    expectEnvelope(await t.get("/v1/me", { token: null }), 401, "unauthorized");
    expectEnvelope(await t.post(`/v1/${scopePath(ws)}/connections`, { plugin: "custom", config: {} }, { token: viewer.token }), 403, "forbidden");
    expectEnvelope(await t.get(`/v1/${scopePath(tenant)}/connections`, { token: viewer.token }), 404, "not_found");
    expectEnvelope(await t.get("/v1/no/such/route/here"), 404, "not_found");
    expectEnvelope(await t.post(`/v1/${scopePath(ws)}/connections`, { plugin: "custom", config: {}, handle: "env_taken" }), 409, "conflict");
    expectEnvelope(await t.patch(`/v1/connections/${c.id}`, { title: "x" }, { headers: { "if-match": '"9"' } }), 412, "precondition_failed");
    expectEnvelope(await t.call("POST", "/v1/users", { rawBody: JSON.stringify({ handle: "x".repeat(1_100_000) }) }), 413, "payload_too_large");
    expectEnvelope(await t.call("POST", "/v1/users", { rawBody: "<user/>", headers: { "content-type": "application/xml" } }), 415, "unsupported_media_type");
    expectEnvelope(await t.post("/v1/users", { handle: t.unique("other") }, { headers: idem }), 422, "idempotency_key_reused");
    expectEnvelope(await t.get(`/v1/connections/${"c".repeat(200)}`), 414, "uri_too_long");
    expectEnvelope(await t.get("/v1/tenants/%E0%A4%A"), 400, "bad_request");
  });

  it("a request id sent by the client is used in the envelope and the response header", async () => {
    const res = await ctx.t.get("/v1/connections/conn_aaaaaaaaaaaaaaaaaaaa", { headers: { "x-request-id": "client-chosen.42" } });
    expect(res.headers["x-request-id"]).to.equal("client-chosen.42");
    expect(res.body.error.requestId).to.equal("client-chosen.42");
    const odd = await ctx.t.get("/v1/connections/conn_aaaaaaaaaaaaaaaaaaaa", { headers: { "x-request-id": "has spaces and <tags>" } });
    expect(odd.body.error.requestId).to.not.contain("<tags>");
  });
});

describe("database and unexpected errors in the envelope (SPEC §7.2)", () => {
  async function answer(err: unknown) {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: "error", stream: { write: (l: string) => lines.push(l) } } });
    registerErrorHandler(app);
    app.get("/boom", async () => {
      throw err;
    });
    const res = await app.inject({ method: "GET", url: "/boom" });
    await app.close();
    return { status: res.statusCode, body: JSON.parse(res.body), log: lines.join(""), retryAfter: res.headers["retry-after"] };
  }
  const pgError = (code: string, extra: object = {}) => Object.assign(new Error(`secret detail from the server (${code})`), { code, ...extra });

  it("PostgreSQL errors are translated by SQLSTATE, never by their text, and their text is not shown", async () => {
    const cases: [string, number, string][] = [
      ["23505", 409, "conflict"],
      ["23503", 409, "conflict"],
      ["23514", 400, "validation_failed"],
      ["22P02", 400, "validation_failed"],
      ["40001", 503, "retry"],
      ["40P01", 503, "retry"],
      ["XX000", 500, "internal"],
    ];
    for (const [code, status, name] of cases) {
      const res = await answer(pgError(code));
      expect([res.status, res.body.error.code], code).to.deep.equal([status, name]);
      expect(JSON.stringify(res.body), code).to.not.contain("secret detail");
    }
    expect((await answer(pgError("23505", { constraint: "connections_scope_id_handle_key" }))).body.error.details).to.deep.equal({ field: "handle" });
  });

  it("a database that cannot be reached is a 503 service_unavailable with Retry-After, by the error's code (SPEC §7.1)", async () => {
    const errno = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:5432 secret detail`), { code, errno: -111, syscall: "connect" });
    const unavailable: [string, unknown][] = [
      ["57P01 admin_shutdown", pgError("57P01")],
      ["57P03 cannot_connect_now", pgError("57P03")],
      ["08006 connection_failure", pgError("08006")],
      ["08001 unable to connect", pgError("08001")],
      ["53300 too_many_connections", pgError("53300")],
      ["57014 statement timeout", pgError("57014")],
      ["ECONNREFUSED", errno("ECONNREFUSED")],
      ["ECONNRESET", errno("ECONNRESET")],
      ["EPIPE (five letters, not a SQLSTATE)", errno("EPIPE")],
      ["DatabaseUnavailableError", new DatabaseUnavailableError("cannot connect to PostgreSQL", { cause: new Error("timeout") })],
    ];
    for (const [what, err] of unavailable) {
      const res = await answer(err);
      expect([res.status, res.body.error.code, res.retryAfter], what).to.deep.equal([503, "service_unavailable", "2"]);
      expect(JSON.stringify(res.body), what).to.not.contain("secret detail");
    }
    // the same words in a message, without the code, are not an outage
    const res = await answer(new Error("connection terminated: ECONNREFUSED 57P01"));
    expect(res.status).to.equal(500);
  });

  it("an unexpected error is a 500 'internal' that shows nothing of the error but is logged with the request id", async () => {
    const res = await answer(new TypeError("cannot read x of undefined at secretFunction"));
    expect(res.status).to.equal(500);
    expect(res.body.error.code).to.equal("internal");
    expect(JSON.stringify(res.body)).to.not.contain("secretFunction");
    expect(res.log).to.contain("secretFunction").and.contain(res.body.error.requestId);
  });
});
