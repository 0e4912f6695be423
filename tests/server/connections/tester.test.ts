import { expect } from "chai";
import { createServer } from "node:net";
import pg from "pg";
import { describeEachDb, scopePath } from "../../helpers/app";
import { sampleConfigs } from "../../helpers/configs";
import { ADMIN_URL } from "../../helpers/databases";

/**
 * `test` (SPEC §3.5) against the machine's PostgreSQL. This server trusts every local TCP
 * connection (pg_hba.conf: `host all all 127.0.0.1/32 trust`), so a wrong password is accepted
 * there and cannot be shown failing; the bad credential used instead is a role that exists but
 * may not log in (NOLOGIN), which the server refuses whatever the password.
 */
const admin = new URL(ADMIN_URL);
const GOOD = { host: admin.hostname, port: Number(admin.port || 5432), database: admin.pathname.slice(1) || "postgres", user: decodeURIComponent(admin.username || "postgres"), password: decodeURIComponent(admin.password) || "unused-with-trust", sslmode: "disable" };
const NOLOGIN_ROLE = `sy_nologin_${process.pid}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function adminQuery(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describeEachDb("testing a connection (SPEC §3.5)", (ctx) => {
  let scope: string;
  before(async function () {
    const { org } = await ctx.t.hierarchy();
    scope = `/v1/${scopePath(org)}`;
    try {
      await adminQuery(`DROP ROLE IF EXISTS ${NOLOGIN_ROLE}; CREATE ROLE ${NOLOGIN_ROLE} NOLOGIN PASSWORD 'right-password'`);
    } catch {
      this.skip(); // no PostgreSQL server to test against
    }
  });
  after(async () => {
    await adminQuery(`DROP ROLE IF EXISTS ${NOLOGIN_ROLE}`).catch(() => undefined);
  });
  const testNew = (config: Record<string, unknown>, plugin = "postgres") => ctx.t.expect(200, "POST", `${scope}/connections/test`, { body: { plugin, config } });

  it("postgres, before creation: good credentials really connect and report the server version", async () => {
    const res = await testNew(GOOD);
    expect(res).to.include({ ok: true, contacted: true });
    expect(res.message).to.match(/^connected to .*\(PostgreSQL \d+/);
  });

  it("postgres, before creation: a role that may not log in (NOLOGIN) is refused with the server's reason, even with its right password", async () => {
    const res = await testNew({ ...GOOD, user: NOLOGIN_ROLE, password: "right-password" });
    expect(res).to.include({ ok: false, contacted: true });
    expect(res.message).to.contain("refused the login").and.contain("not permitted to log in");
    expect(res.message).to.not.contain("right-password");
  });

  it("postgres, before creation: a database that does not exist is reported as such", async () => {
    const res = await testNew({ ...GOOD, database: "sy_no_such_database" });
    expect(res).to.include({ ok: false, contacted: true });
    expect(res.message).to.contain("database does not exist");
  });

  it("postgres, before creation: a port where nothing listens is reported as connection refused", async () => {
    const port = await freePort();
    const res = await testNew({ ...GOOD, port });
    expect(res).to.include({ ok: false, contacted: true });
    expect(res.message).to.contain(`connection refused: nothing listens on ${GOOD.host}:${port}`);
  });

  it("postgres, an existing connection: tested with its stored (decrypted) credentials", async () => {
    const good = await ctx.t.expect(201, "POST", `${scope}/connections`, { body: { plugin: "postgres", config: GOOD } });
    expect(await ctx.t.expect(200, "POST", `/v1/connections/${good.id}/test`)).to.include({ ok: true, contacted: true });
    const bad = await ctx.t.expect(201, "POST", `${scope}/connections`, { body: { plugin: "postgres", config: { ...GOOD, user: NOLOGIN_ROLE, password: "right-password" } } });
    const res = await ctx.t.expect(200, "POST", `/v1/connections/${bad.id}/test`);
    expect(res).to.include({ ok: false, contacted: true });
    expect(res.message).to.contain("not permitted to log in");
  });

  it("other plugins: the shape is validated and the answer says the remote end was not contacted", async () => {
    for (const [plugin, { config }] of Object.entries(sampleConfigs("tester"))) {
      if (plugin === "postgres") continue;
      const res = await testNew(config, plugin);
      expect(res, plugin).to.include({ ok: true, contacted: false });
      expect(res.message, plugin).to.contain("not checked");
      const created = await ctx.t.expect(201, "POST", `${scope}/connections`, { body: { plugin, config } });
      expect(await ctx.t.expect(200, "POST", `/v1/connections/${created.id}/test`), plugin).to.include({ ok: true, contacted: false });
    }
  });

  it("a config of the wrong shape fails the test without contacting anything, naming the field", async () => {
    const res = await testNew({ ...GOOD, port: "5432" });
    expect(res).to.include({ ok: false, contacted: false });
    expect(res.message).to.contain("config.port");
    const aws = await testNew({ regions: ["nowhere"] }, "aws");
    expect(aws).to.include({ ok: false, contacted: false });
    expect(aws.message).to.contain("config.regions");
  });
});
