import { expect } from "chai";
import nock from "nock";
import { SwitchyardApiError, SwitchyardClient } from "../../provider/client";
import { resolveSettings } from "../../provider/settings";

const URL = "http://switchyard.test:8686";
const client = () => new SwitchyardClient({ url: URL, token: "sy_test_token_0123456789" }, { retries: 3, retryDelayMs: 5, timeoutMs: 300 });

describe("provider HTTP client", () => {
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it("sends the token as a bearer header", async () => {
    nock(URL).get("/v1/me").matchHeader("authorization", "Bearer sy_test_token_0123456789").reply(200, { ok: true });
    expect((await client().get("/v1/me")).body).to.deep.equal({ ok: true });
  });

  it("retries 5xx and answers the eventual success", async () => {
    const scope = nock(URL).get("/v1/folders/x").reply(503, {}).get("/v1/folders/x").reply(502, {}).get("/v1/folders/x").reply(200, { id: "x" });
    expect((await client().get("/v1/folders/x")).body).to.deep.equal({ id: "x" });
    expect(scope.isDone()).to.equal(true);
  });

  it("retries 429 after the Retry-After the service asked for", async () => {
    nock(URL).get("/v1/me").reply(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "1" }).get("/v1/me").reply(200, { ok: true });
    const started = Date.now();
    await client().get("/v1/me");
    expect(Date.now() - started).to.be.at.least(900);
  });

  it("retries a refused connection", async () => {
    nock(URL).get("/v1/me").replyWithError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }).get("/v1/me").reply(200, { ok: true });
    expect((await client().get("/v1/me")).body).to.deep.equal({ ok: true });
  });

  it("retries a timeout", async () => {
    nock(URL).get("/v1/me").delay(1000).reply(200, { late: true }).get("/v1/me").reply(200, { ok: true });
    expect((await client().get("/v1/me")).body).to.deep.equal({ ok: true });
  });

  it("keeps one Idempotency-Key across the retries of a create", async () => {
    const keys: string[] = [];
    nock(URL)
      .post("/v1/tenants/t/folders")
      .times(2)
      .reply(function () {
        keys.push(String(this.req.headers["idempotency-key"]));
        return keys.length === 1 ? [503, {}] : [201, { id: "fld" }];
      });
    await client().create("/v1/tenants/t/folders", { title: "x" });
    expect(keys).to.have.length(2);
    expect(keys[0]).to.match(/^[0-9a-f-]{36}$/);
    expect(keys[1]).to.equal(keys[0]);
  });

  it("gives up after the retries and reports the status", async () => {
    nock(URL).get("/v1/me").times(4).reply(503, { error: { code: "unavailable", message: "down" } });
    const err = await client().get("/v1/me").catch((e) => e);
    expect(err).to.be.instanceOf(SwitchyardApiError);
    expect(err.status).to.equal(503);
  });

  it("does not retry a 4xx, and explains a version conflict", async () => {
    const scope = nock(URL).patch("/v1/folders/x").matchHeader("if-match", '"3"').reply(412, { error: { code: "precondition_failed", message: "at version 4" } });
    const err = await client().patch("/v1/folders/x", { title: "y" }, 3).catch((e) => e);
    expect(scope.isDone()).to.equal(true);
    expect(err.status).to.equal(412);
    expect(err.message).to.contain("pulumi refresh");
  });

  it("says how to fix an unreachable service", async () => {
    nock(URL).get("/v1/me").times(4).replyWithError({ code: "ECONNREFUSED", message: "refused" });
    const err = await client().get("/v1/me").catch((e) => e);
    expect(err.message).to.contain("cannot reach Switchyard").and.to.contain("SWITCHYARD_URL");
  });
});

describe("provider settings", () => {
  it("come from the environment when stack config has none", () => {
    expect(resolveSettings({ SWITCHYARD_URL: "http://h:1/", SWITCHYARD_TOKEN: "tok" })).to.deep.equal({ url: "http://h:1", token: "tok" });
  });
  it("name the missing setting and how to set it", () => {
    expect(() => resolveSettings({ SWITCHYARD_TOKEN: "tok" })).to.throw(/switchyard:url/);
    expect(() => resolveSettings({ SWITCHYARD_URL: "http://h" })).to.throw(/--secret switchyard:token/);
  });
});
