import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, auditOf, connection, folder, grant, schemaStates } from "../helpers/sharing";

describeEachDb("grants (SPEC §4)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  let otherOrg: { id: string; kind: string };
  let otherWs: { id: string; kind: string };
  before(async () => {
    h = await ctx.t.hierarchy();
    otherOrg = await ctx.t.org(h.tenant.id);
    otherWs = await ctx.t.workspace(otherOrg.id);
  });

  it("a tenant-owned connection or folder can be granted to the tenant, any of its organizations or workspaces", async () => {
    const c = await connection(ctx.t, h.tenant, ctx.t.unique("c"));
    const f = await folder(ctx.t, h.tenant);
    for (const grantee of [h.tenant, h.org, otherOrg, h.ws, otherWs]) {
      for (const object of [c, f]) {
        const g = await grant(ctx.t, object.id, grantee.id);
        expect(g).to.include({ objectId: object.id, granteeId: grantee.id, tenantId: h.tenant.id, version: 1 });
        expect(g.objectType).to.equal(object.id.startsWith("conn_") ? "connection" : "folder");
      }
    }
  });

  it("an org-owned object can be granted to the org or its workspaces, not to the tenant or another org's scopes (422)", async () => {
    const c = await connection(ctx.t, h.org, ctx.t.unique("c"));
    await grant(ctx.t, c.id, h.org.id);
    await grant(ctx.t, c.id, h.ws.id);
    for (const grantee of [h.tenant, otherOrg, otherWs]) {
      const res = await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: grantee.id });
      expect(res.status, grantee.id).to.equal(422);
      expect(res.body.error.details[0].field).to.equal("body.granteeId");
    }
  });

  it("workspace-owned objects cannot be shared (422 naming objectId)", async () => {
    const c = await connection(ctx.t, h.ws, ctx.t.unique("c"));
    const f = await folder(ctx.t, h.ws);
    for (const object of [c, f]) {
      const res = await ctx.t.post("/v1/grants", { objectId: object.id, granteeId: h.ws.id });
      expect(res.status).to.equal(422);
      expect(res.body.error.message).to.contain("workspace-owned objects cannot be shared");
      expect(res.body.error.details[0].field).to.equal("body.objectId");
    }
  });

  it("grants across tenants are impossible (404 for a grantee the caller cannot see, 422 for one it can)", async () => {
    const other = await ctx.t.hierarchy();
    const c = await connection(ctx.t, h.tenant, ctx.t.unique("c"));
    const operator = await ctx.t.user({ path: scopePath(h.tenant), role: "operator" });
    const hidden = await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: other.ws.id }, { token: operator.token });
    expect(hidden.status).to.equal(404);
    const admin = await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: other.ws.id });
    expect(admin.status).to.equal(422);
    expect((await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: "ws_00000000000000000000" })).status).to.equal(404);
  });

  it("granting needs the operator role at the object's owning scope (403), and an unseen object is 404", async () => {
    const c = await connection(ctx.t, h.org, ctx.t.unique("c"));
    const editor = await ctx.t.user({ path: scopePath(h.org), role: "editor" });
    const wsOperator = await ctx.t.user({ path: scopePath(h.ws), role: "operator" });
    const orgOperator = await ctx.t.user({ path: scopePath(h.org), role: "operator" });
    expect((await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: h.ws.id }, { token: editor.token })).status).to.equal(403);
    expect((await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: h.ws.id }, { token: wsOperator.token })).status).to.equal(404);
    const g = await ctx.t.post("/v1/grants", { objectId: c.id, granteeId: h.ws.id }, { token: orgOperator.token });
    expect(g.status).to.equal(201);
    // a workspace operator sees the grant to its workspace but cannot revoke it
    expect((await ctx.t.get(`/v1/grants/${g.body.id}`, { token: wsOperator.token })).status).to.equal(200);
    expect((await ctx.t.del(`/v1/grants/${g.body.id}`, { token: wsOperator.token })).status).to.equal(403);
  });

  it("a duplicate grant is refused (409)", async () => {
    const f = await folder(ctx.t, h.tenant);
    const first = await grant(ctx.t, f.id, h.org.id);
    const dup = await ctx.t.post("/v1/grants", { objectId: f.id, granteeId: h.org.id });
    expect(dup.status).to.equal(409);
    expect(dup.body.error.details.grantId).to.equal(first.id);
  });

  it("a retried grant with the same Idempotency-Key returns the first grant", async () => {
    const c = await connection(ctx.t, h.tenant, ctx.t.unique("c"));
    const opts = { body: { objectId: c.id, granteeId: h.ws.id }, headers: { "idempotency-key": ctx.t.unique("k") } };
    const first = await ctx.t.expect(201, "POST", "/v1/grants", opts);
    const again = await ctx.t.expect(201, "POST", "/v1/grants", opts);
    expect(again.id).to.equal(first.id);
    expect((await ctx.t.get(`/v1/grants?objectId=${c.id}`)).body.items).to.have.length(1);
  });

  it("a folder grant covers every connection below it, now and later", async () => {
    const { tenant, org, ws } = await ctx.t.hierarchy();
    const top = await folder(ctx.t, tenant);
    const sub = await folder(ctx.t, tenant, { parentId: top.id });
    const before = await connection(ctx.t, tenant, "before_grant", sub.id);
    const g = await grant(ctx.t, top.id, org.id);
    const after = await connection(ctx.t, tenant, "after_grant", sub.id);
    const outside = await connection(ctx.t, tenant, "outside");
    const listed = (await ctx.t.expect(200, "GET", `/v1/workspaces/${ws.id}/connections`)).items;
    expect(listed.map((c: { id: string }) => c.id)).to.have.members([before.id, after.id]);
    expect(listed.find((c: { id: string }) => c.id === after.id).availableVia).to.deep.equal([{ via: "grant", grantId: g.id, granteeId: org.id, folderId: top.id }]);
    expect(listed.map((c: { id: string }) => c.id)).to.not.include(outside.id);
    await attach(ctx.t, ws.id, after.id);
  });

  it("revoking a grant that attachments depend on is refused (409, listing them)", async () => {
    const f = await folder(ctx.t, h.tenant);
    const c = await connection(ctx.t, h.tenant, ctx.t.unique("c"), f.id);
    const g = await grant(ctx.t, f.id, h.org.id);
    const a1 = await attach(ctx.t, h.ws.id, f.id);
    const a2 = await attach(ctx.t, h.ws2.id, c.id);
    const res = await ctx.t.del(`/v1/grants/${g.id}`);
    expect(res.status).to.equal(409);
    expect(res.body.error.details.attachments.map((a: { attachmentId: string }) => a.attachmentId)).to.have.members([a1.id, a2.id]);
    expect((await ctx.t.get(`/v1/grants/${g.id}`)).status).to.equal(200);
    // another grant that covers them too makes the revoke harmless
    const wider = await grant(ctx.t, f.id, h.tenant.id);
    expect((await ctx.t.del(`/v1/grants/${g.id}`)).status).to.equal(200);
    expect((await ctx.t.get(`/v1/attachments/${a1.id}`)).status).to.equal(200);
    expect((await ctx.t.del(`/v1/grants/${wider.id}`)).status).to.equal(409);
  });

  it("revoking with cascade=true detaches the dependent attachments in the same transaction, each audited", async () => {
    const f = await folder(ctx.t, h.tenant);
    const c = await connection(ctx.t, h.tenant, ctx.t.unique("c"), f.id);
    const g = await grant(ctx.t, f.id, h.org.id);
    const a1 = await attach(ctx.t, h.ws.id, f.id);
    const a2 = await attach(ctx.t, h.ws2.id, c.id);
    expect(await schemaStates(ctx.t, h.ws2.id)).to.include(`${c.handle}:direct`);
    const res = await ctx.t.del(`/v1/grants/${g.id}?cascade=true`);
    expect(res.status).to.equal(200);
    expect(res.body.detached.map((a: { id: string }) => a.id)).to.have.members([a1.id, a2.id]);
    for (const id of [a1.id, a2.id]) expect((await ctx.t.get(`/v1/attachments/${id}`)).status).to.equal(404);
    expect((await ctx.t.get(`/v1/grants/${g.id}`)).status).to.equal(404);
    expect(await schemaStates(ctx.t, h.ws2.id)).to.not.include(`${c.handle}:direct`);
    const detached = await auditOf(ctx.t, h.tenant, "attachment.delete");
    expect(detached.filter((r) => r.after?.cascadeOfGrant === g.id).map((r) => r.targetId)).to.have.members([a1.id, a2.id]);
    expect((await auditOf(ctx.t, h.org, "grant.delete")).map((r) => r.targetId)).to.include(g.id);
  });

  it("grants are listed by object or grantee (paginated), read with an ETag, and revoked with If-Match", async () => {
    const { tenant, org, ws } = await ctx.t.hierarchy();
    const f = await folder(ctx.t, tenant);
    const ids = [];
    for (const grantee of [tenant, org, ws]) ids.push((await grant(ctx.t, f.id, grantee.id)).id);
    const page1 = await ctx.t.expect(200, "GET", `/v1/grants?objectId=${f.id}&limit=2`);
    const page2 = await ctx.t.expect(200, "GET", `/v1/grants?objectId=${f.id}&limit=2&cursor=${page1.nextCursor}`);
    expect([...page1.items, ...page2.items].map((g: { id: string }) => g.id)).to.have.members(ids);
    expect(page2.nextCursor).to.equal(null);
    expect((await ctx.t.expect(200, "GET", `/v1/grants?granteeId=${ws.id}`)).items.map((g: { id: string }) => g.id)).to.deep.equal([ids[2]]);
    const missing = await ctx.t.get("/v1/grants");
    expect(missing.status).to.equal(400);
    expect(missing.body.error.details[0].field).to.equal("querystring.objectId");
    const got = await ctx.t.get(`/v1/grants/${ids[0]}`);
    expect(got.headers.etag).to.equal('"1"');
    expect((await ctx.t.del(`/v1/grants/${ids[0]}`, { headers: { "if-match": '"2"' } })).status).to.equal(412);
    expect((await ctx.t.del(`/v1/grants/${ids[0]}`, { headers: { "if-match": '"1"' } })).status).to.equal(200);
    expect((await auditOf(ctx.t, tenant, "grant.create")).map((r) => r.targetId)).to.include.members(ids);
  });
});
