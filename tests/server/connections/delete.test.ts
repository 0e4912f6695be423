import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

describeEachDb("deleting a connection (SPEC §3.6)", (ctx) => {
  let url: string;
  before(async () => {
    const { org } = await ctx.t.hierarchy();
    url = `/v1/${scopePath(org)}/connections`;
  });
  const make = () => ctx.t.expect(201, "POST", url, { body: { plugin: "custom", title: ctx.t.unique("doomed"), config: {} } });
  const auditCount = async (id: string) =>
    (await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action = 'connection.delete'", [id])).rows[0].n;

  it("a delete without confirm=<handle> is refused (400 naming querystring.confirm) and deletes nothing", async () => {
    const c = await make();
    for (const q of ["", "?confirm=", "?confirm=wrong_handle", `?confirm=${c.handle.toUpperCase()}`]) {
      const res = await ctx.t.del(`/v1/connections/${c.id}${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.body.error.details[0].field).to.equal("querystring.confirm");
      expect(res.body.error.message).to.contain(`confirm=${c.handle}`);
    }
    expect((await ctx.t.get(`/v1/connections/${c.id}`)).status).to.equal(200);
    expect(await auditCount(c.id)).to.equal(0);
  });

  it("dryRun=true answers what would go and changes nothing", async () => {
    const c = await make();
    const dry = await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?dryRun=true`);
    expect(dry).to.deep.include({ dryRun: true, deleted: false, workspaces: [], usage: [] });
    expect(dry.connection.id).to.equal(c.id);
    const withConfirm = await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?dryRun=true&confirm=${c.handle}`);
    expect(withConfirm.deleted).to.equal(false);
    expect((await ctx.t.get(`/v1/connections/${c.id}`)).body.version).to.equal(1);
    expect(await auditCount(c.id)).to.equal(0);
  });

  it("confirm=<handle> deletes, audits, and a second delete answers 404", async () => {
    const c = await make();
    const res = await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?confirm=${c.handle}`);
    expect(res).to.include({ dryRun: false, deleted: true });
    expect((await ctx.t.get(`/v1/connections/${c.id}`)).status).to.equal(404);
    expect(await auditCount(c.id)).to.equal(1);
    expect((await ctx.t.del(`/v1/connections/${c.id}?confirm=${c.handle}`)).status).to.equal(404);
  });

  it("delete honours If-Match (412 on a stale version, kept)", async () => {
    const c = await make();
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { title: "v2" } });
    const stale = await ctx.t.del(`/v1/connections/${c.id}?confirm=${c.handle}`, { headers: { "if-match": '"1"' } });
    expect(stale.status).to.equal(412);
    expect(stale.body.error.details).to.deep.equal({ currentVersion: 2, expectedVersion: 1 });
    await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?confirm=${c.handle}`, { headers: { "if-match": '"2"' } });
  });

  it("dryRun must be true or false (400 naming querystring.dryRun)", async () => {
    const c = await make();
    const res = await ctx.t.del(`/v1/connections/${c.id}?dryRun=yes`);
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("querystring.dryRun");
  });
});
