import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { connection, folder } from "../helpers/sharing";

/** Bad input to the sharing routes is a 4xx naming the field, never a 500 (SPEC §7.2). */
describeEachDb("sharing routes: bad input", (ctx) => {
  it("malformed ids, queries and bodies answer 4xx in the error envelope, naming the field", async () => {
    const h = await ctx.t.hierarchy();
    const f = await folder(ctx.t, h.tenant);
    const c = await connection(ctx.t, h.tenant, "input");
    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/grants", { objectId: h.org.id, granteeId: h.ws.id }, "body.objectId"],
      ["POST", "/v1/grants", { objectId: c.id, granteeId: c.id }, "body.granteeId"],
      ["POST", "/v1/grants", { objectId: c.id, granteeId: h.ws.id, extra: 1 }, "body.extra"],
      ["POST", "/v1/grants", [], "body"],
      ["GET", `/v1/grants?objectId=${h.ws.id}`, undefined, "querystring.objectId"],
      ["GET", "/v1/grants?granteeId=nope", undefined, "querystring.granteeId"],
      ["DELETE", "/v1/grants/grt_00000000000000000000?cascade=yes", undefined, "querystring.cascade"],
      ["POST", `/v1/workspaces/${h.ws.id}/attachments`, { objectId: 42 }, "body.objectId"],
      ["POST", `/v1/workspaces/${h.org.id}/attachments`, { objectId: c.id }, "params.id"],
      ["GET", `/v1/workspaces/${h.ws.id}/schemas?include=everything`, undefined, "querystring.include"],
      ["GET", `/v1/workspaces/${h.ws.id}/schemas?limit=0`, undefined, "querystring.limit"],
      ["GET", `/v1/workspaces/${h.ws.id}/schemas?cursor=%E2%9C%93`, undefined, "querystring.cursor"],
      ["GET", `/v1/workspaces/${h.ws.id}/connections?cursor=!!`, undefined, "querystring.cursor"],
      ["GET", `/v1/${scopePath(h.tenant)}/tree?cursor=${Buffer.from("x y").toString("base64url")}`, undefined, "querystring.cursor"],
      ["GET", `/v1/${scopePath(h.tenant)}/folders?parentId=root`, undefined, "querystring.parentId"],
      ["DELETE", `/v1/folders/${f.id}?recursive=1`, undefined, "querystring.recursive"],
      ["PATCH", `/v1/folders/${f.id}`, { parentId: 7 }, "body.parentId"],
      ["PATCH", `/v1/folders/${f.id}`, { title: "" }, "body.title"],
      ["GET", "/v1/connections/conn_1/workspaces", undefined, "params.id"],
      ["GET", `/v1/attachments/${f.id}`, undefined, "params.id"],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await ctx.t.call(method, url, body === undefined ? {} : { body });
      const what = `${method} ${url} ${JSON.stringify(body)}: ${res.raw}`;
      expect(res.status, what).to.be.within(400, 499);
      expect(res.body.error.requestId, what).to.be.a("string");
      expect(JSON.stringify(res.body.error.details ?? res.body.error.message), what).to.contain(field);
    }
    const notJson = await ctx.t.call("POST", "/v1/grants", { rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(notJson.status).to.equal(400);
    const patchWithIfMatch = await ctx.t.patch(`/v1/folders/${f.id}`, { title: "x" }, { headers: { "if-match": "banana" } });
    expect(patchWithIfMatch.status).to.equal(400);
    expect(patchWithIfMatch.body.error.details[0].field).to.equal("headers.if-match");
  });
});
