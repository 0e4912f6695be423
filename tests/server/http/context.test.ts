import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

/** SPEC §7.1–7.2: `version` and `ETag` on every object; If-Match on PATCH and DELETE (412 on mismatch). */
describeEachDb("versions, ETag and If-Match (SPEC §7.2)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  /** The mutable objects: how to make one, its URL, a change, and how to delete it. */
  const objects = () => [
    {
      name: "scope",
      make: async () => ({ url: `/v1/${scopePath(await ctx.t.org(h.tenant.id))}`, del: "" }),
      change: () => ({ title: ctx.t.unique("title") }),
    },
    {
      name: "connection",
      make: async () => {
        const c = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "custom", title: ctx.t.unique("C"), config: {} } });
        return { url: `/v1/connections/${c.id}`, del: `?confirm=${c.handle}` };
      },
      change: () => ({ description: ctx.t.unique("d") }),
    },
  ];

  it("every object answers its version as ETag on create, read and update", async () => {
    for (const o of objects()) {
      const { url } = await o.make();
      const read = await ctx.t.get(url);
      expect(read.headers.etag, o.name).to.equal(`"${read.body.version}"`);
      const changed = await ctx.t.patch(url, o.change());
      expect(changed.body.version, o.name).to.equal(read.body.version + 1);
      expect(changed.headers.etag, o.name).to.equal(`"${changed.body.version}"`);
      expect((await ctx.t.get(url)).headers.etag).to.equal(changed.headers.etag);
    }
    const created = await ctx.t.post(`/v1/tenants/${h.tenant.id}/orgs`, { handle: ctx.t.unique("etag") });
    expect(created.headers.etag).to.equal('"1"');
  });

  it("PATCH and DELETE with a stale If-Match answer 412 with both versions and change nothing", async () => {
    for (const o of objects()) {
      const { url, del } = await o.make();
      await ctx.t.expect(200, "PATCH", url, { body: o.change() });
      const patch = await ctx.t.patch(url, o.change(), { headers: { "if-match": '"1"' } });
      expect(patch.status, o.name).to.equal(412);
      expect(patch.body.error).to.deep.include({ code: "precondition_failed", details: { currentVersion: 2, expectedVersion: 1 } });
      expect((await ctx.t.del(url + del, { headers: { "if-match": '"1"' } })).status, o.name).to.equal(412);
      expect((await ctx.t.get(url)).body.version, o.name).to.equal(2);
    }
  });

  it("a matching If-Match is accepted in the forms \"n\", W/\"n\", n and *", async () => {
    for (const o of objects()) {
      const { url, del } = await o.make();
      await ctx.t.expect(200, "PATCH", url, { body: o.change(), headers: { "if-match": '"1"' } });
      await ctx.t.expect(200, "PATCH", url, { body: o.change(), headers: { "if-match": 'W/"2"' } });
      await ctx.t.expect(200, "PATCH", url, { body: o.change(), headers: { "if-match": "3" } });
      await ctx.t.expect(200, "PATCH", url, { body: o.change(), headers: { "if-match": "*" } });
      const res = await ctx.t.del(url + del, { headers: { "if-match": '"5"' } });
      expect(res.status, o.name).to.be.oneOf([200, 204]);
    }
  });

  it("a malformed If-Match is a 400 naming headers.if-match", async () => {
    const { url } = await objects()[1].make();
    for (const value of ["abc", '"1', '"-1"', '"1", "2"']) {
      const res = await ctx.t.patch(url, { title: "x" }, { headers: { "if-match": value } });
      expect(res.status, value).to.equal(400);
      expect(res.body.error.details[0].field).to.equal("headers.if-match");
    }
  });

  it("of concurrent PATCHes holding the same version exactly one wins, the others get 412 (no lost update)", async () => {
    for (const o of objects()) {
      const { url } = await o.make();
      const results = await Promise.all(Array.from({ length: 6 }, () => ctx.t.patch(url, o.change(), { headers: { "if-match": '"1"' } })));
      expect(results.map((r) => r.status).sort(), o.name).to.deep.equal([200, 412, 412, 412, 412, 412]);
      expect((await ctx.t.get(url)).body.version, o.name).to.equal(2);
    }
  });
});
