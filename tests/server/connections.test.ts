import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";

describeEachDb("connections", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  it("creates a connection with secrets redacted, and reads it back with an ETag", async () => {
    const created = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.tenant)}/connections`, {
      body: { plugin: "postgres", title: "Main DB", config: { host: "db", port: 5432, database: "app", user: "u", password: "hunter2-secret" } },
    });
    expect(created.handle).to.equal("main_db");
    expect(created.config.password).to.deep.include({ secret: true, set: true });
    expect(created.config.password.fingerprint).to.be.a("string");
    const got = await ctx.t.get(`/v1/connections/${created.id}`);
    expect(got.status).to.equal(200);
    expect(got.headers.etag).to.equal('"1"');
    expect(got.raw).to.not.contain("hunter2-secret");
  });
});
