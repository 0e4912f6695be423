import { expect } from "chai";
import type { ScopeKind } from "../../../contract/ids";
import { describeEachDb, scopePath, type TestApp } from "../../helpers/app";
import { contractChecker, openapiPath } from "../../helpers/openapi";
import { makeTarget, SCOPED_ROUTES, UNSCOPED_ROUTES, type Target } from "../../helpers/routes";

/**
 * The OpenAPI document is the contract clients generate from: every answer the service gives must
 * be one it describes (status, content type, body). This drives every operation through its
 * success and the error answers a client can provoke, records each exchange as the service sent
 * it, and checks every one against the served document.
 */
async function scopedTraffic(t: TestApp) {
  const h = await t.hierarchy();
  const bystander = (await t.user()).user;
  const targets: Record<ScopeKind, Target> = {
    tenant: await makeTarget(t, h.tenant, bystander.id),
    org: await makeTarget(t, h.org, bystander.id),
    workspace: await makeTarget(t, h.ws, bystander.id),
  };
  const viewer = await t.user({ path: scopePath(h.tenant), role: "viewer" });
  const stranger = await t.user();
  let n = 0;
  for (const route of SCOPED_ROUTES) {
    for (const level of route.levels) {
      const target = targets[level];
      const url = route.url(target);
      const stale: Record<string, string> = route.staleIfMatch ? { "if-match": '"999"' } : {};
      const body = () => route.body?.(target, n++);
      for (const token of [undefined, viewer.token, stranger.token, null]) await t.call(route.method, url, { token, body: body(), headers: stale });
      await t.call(route.method, url, { body: body(), headers: { "if-match": "not-a-version" } });
      if (route.body) {
        await t.call(route.method, url, { body: { unknownField: 1 } });
        await t.call(route.method, url, { rawBody: "<a>1</a>", headers: { "content-type": "application/xml" } });
      }
    }
  }
  for (const route of UNSCOPED_ROUTES) {
    for (const token of [undefined, viewer.token, null]) await t.call(route.method, route.url, { token, body: route.body?.({ userId: viewer.user.id }, n++) });
    if (route.body) await t.call(route.method, route.url, { body: { unknownField: 1 } });
  }
  await t.get(`/v1/${scopePath(h.tenant)}/audit?cursor=!`);
  await t.post("/v1/tenants", { handle: h.tenant.handle });
  const key = { "idempotency-key": t.unique("k") };
  await t.post("/v1/tenants", { handle: t.unique("t") }, { headers: key });
  await t.post("/v1/tenants", { handle: t.unique("t") }, { headers: key });
  await t.post(`/v1/${scopePath(h.tenant)}/connections`, { plugin: "custom", config: { blob: "x".repeat(1_100_000) } });
  await t.get("/v1/connections/conn_aaaaaaaaaaaaaaaaaaaa");
  return h;
}

/** The sharing model: folders, grants, attachments and a workspace's view, with their refusals. */
async function sharingTraffic(t: TestApp, h: Awaited<ReturnType<TestApp["hierarchy"]>>) {
  const tenant = `/v1/${scopePath(h.tenant)}`;
  const ws = `/v1/${scopePath(h.ws)}`;
  const viewer = await t.user({ path: scopePath(h.tenant), role: "viewer" });
  const folder = await t.expect(201, "POST", `${tenant}/folders`, { body: { title: "Shared", handle: "shared" } });
  await t.post(`${tenant}/folders`, { title: "Shared", handle: "shared" });
  await t.post(`${tenant}/folders`, { title: "x" }, { token: viewer.token });
  const conn = await t.expect(201, "POST", `${tenant}/connections`, { body: { plugin: "custom", handle: "shared_db", config: {}, folderId: folder.id } });
  for (const url of [`${tenant}/folders`, `${tenant}/folders?parentId=none`, `${tenant}/tree`, `${tenant}/tree?cursor=!`, `/v1/folders/${folder.id}`, "/v1/folders/fld_aaaaaaaaaaaaaaaaaaaa"]) await t.get(url);
  await t.patch(`/v1/folders/${folder.id}`, { title: "Shared data" });
  await t.patch(`/v1/folders/${folder.id}`, { title: "stale" }, { headers: { "if-match": '"99"' } });
  await t.patch(`/v1/folders/${folder.id}`, { parentId: folder.id });

  const wsConn = await t.expect(201, "POST", `${ws}/connections`, { body: { plugin: "custom", config: {} } });
  await t.post("/v1/grants", { objectId: wsConn.id, granteeId: h.ws.id });
  const grant = await t.expect(201, "POST", "/v1/grants", { body: { objectId: folder.id, granteeId: h.org.id } });
  await t.post("/v1/grants", { objectId: folder.id, granteeId: h.org.id });
  await t.post("/v1/grants", { objectId: folder.id, granteeId: h.org.id }, { token: viewer.token });
  for (const url of [`/v1/grants?objectId=${folder.id}`, `/v1/grants?granteeId=${h.org.id}`, "/v1/grants?granteeId=org_aaaaaaaaaaaaaaaaaaaa", `/v1/grants/${grant.id}`, "/v1/grants/grt_aaaaaaaaaaaaaaaaaaaa"]) await t.get(url);

  const attachment = await t.expect(201, "POST", `${ws}/attachments`, { body: { objectId: folder.id } });
  await t.post(`${ws}/attachments`, { objectId: folder.id });
  await t.post(`${ws}/attachments`, { objectId: folder.id }, { token: viewer.token });
  for (const url of [`${ws}/attachments`, `/v1/attachments/${attachment.id}`, `${ws}/schemas`, `${ws}/schemas?include=available`, `${ws}/schemas?cursor=!`, `/v1/connections/${conn.id}/workspaces`])
    await t.get(url);
  await t.get(`${ws}/connections/shared_db/credentials`);
  await t.get(`${ws}/connections/shared_db/credentials`, { token: viewer.token });
  await t.get(`${ws}/connections/nothing_here/credentials`);
  await t.del(`${ws}/schemas/shared_db`);
  await t.del(`${ws}/schemas/shared_db`, { token: viewer.token });
  await t.del(`/v1/grants/${grant.id}`);
  await t.del(`/v1/grants/${grant.id}`, { token: viewer.token });
  await t.del(`/v1/folders/${folder.id}?dryRun=true`);
  await t.del(`/v1/folders/${folder.id}`);
  await t.del(`/v1/attachments/${attachment.id}`, { headers: { "if-match": '"99"' } });
  await t.del(`/v1/attachments/${attachment.id}`, { token: viewer.token });
  await t.del(`/v1/attachments/${attachment.id}`);
  await t.del(`/v1/grants/${grant.id}?cascade=true`, { headers: { "if-match": '"99"' } });
  await t.del(`/v1/grants/${grant.id}?cascade=true`);
  await t.del(`/v1/folders/${folder.id}?recursive=true`, { headers: { "if-match": '"99"' } });
  await t.del(`/v1/connections/${wsConn.id}?confirm=wrong`);
  await t.del(`/v1/folders/${folder.id}?recursive=true`);
}

describeEachDb(
  "every answer is one the OpenAPI document describes (the API contract)",
  (ctx) => {
    it("replays every operation's successes and error answers and finds 0 answers the document does not describe", async function () {
      this.timeout(180_000);
      const t = ctx.t;
      const h = await scopedTraffic(t);
      await sharingTraffic(t, h);
      await t.get("/healthz", { token: null });
      await t.get("/readyz", { token: null });

      const doc = await t.expect(200, "GET", "/openapi.json", { token: null });
      const check = await contractChecker(doc);
      const routed = t.exchanges.filter((x) => x.route !== undefined && x.route !== "/openapi.json");
      const problems = routed.map(check).filter((p): p is string => p !== undefined);
      expect(problems, problems.slice(0, 20).join("\n")).to.deep.equal([]);

      // The traffic is broad: every operation answered, and every error status a client can provoke.
      const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, id: op.operationId })),
      );
      const answered = new Set(routed.map((x) => `${x.method} ${openapiPath(x.route as string)}`));
      expect(operations.filter((o) => !answered.has(o.key)).map((o) => o.id)).to.deep.equal([]);
      const statuses = new Set(routed.map((x) => x.status));
      for (const s of [200, 201, 204, 400, 401, 403, 404, 409, 412, 413, 415, 422]) expect(statuses.has(s), `some answer was ${s}`).to.equal(true);
      expect(routed.length).to.be.above(400);
    });
  },
  { record: true },
);
