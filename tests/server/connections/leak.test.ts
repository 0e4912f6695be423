import { expect } from "chai";
import { describeEachDb, scopePath, type ApiResponse } from "../../helpers/app";
import { sampleConfigs } from "../../helpers/configs";
import { ADMIN_URL } from "../../helpers/databases";
import { dumpText } from "../../helpers/snapshot";

/**
 * SPEC §3.4: secrets are never returned by any read, list, error, log line or audit record.
 * This run creates connections of every plugin at every scope with known secret values, changes
 * them, tests them, provokes errors around them and deletes them; then it searches every response
 * body, every log line and every audit record (through the API and in the table) for the values.
 */
describeEachDb("no secret value ever leaves the service (SPEC §3.4)", (ctx) => {
  it("known secret values appear in no response body, log line or audit record", async () => {
    const t = ctx.t;
    const bodies: string[] = [];
    const call = t.call.bind(t);
    t.call = (async (method: string, url: string, opts?: object) => {
      const res = await call(method, url, opts);
      bodies.push(`${method} ${url} -> ${res.status} ${res.raw}`);
      return res;
    }) as typeof t.call;

    const secrets: string[] = [];
    const h = await t.hierarchy();
    const pg = new URL(ADMIN_URL);
    for (const [i, scope] of [h.tenant, h.org, h.ws].entries()) {
      const base = `/v1/${scopePath(scope)}/connections`;
      const samples = sampleConfigs(`leak${i}`);
      for (const [plugin, { config, secrets: values }] of Object.entries(samples)) {
        secrets.push(...values);
        const headers = { "idempotency-key": `leak-${i}-${plugin}` };
        const c = await t.expect(201, "POST", base, { body: { plugin, config }, headers });
        await t.expect(201, "POST", base, { body: { plugin, config }, headers }); // replayed
        await t.expect(200, "GET", `/v1/connections/${c.id}`);
        await t.expect(200, "POST", `${base}/test`, { body: { plugin, config } });
        await t.expect(200, "POST", `/v1/connections/${c.id}/test`);
        // a new secret value, then a failing update that carries another one
        const rotated = `ROTATED-${i}-${plugin}-secret`;
        const failed = `FAILED-${i}-${plugin}-secret`;
        secrets.push(rotated, failed);
        const field = Object.keys(config).find((k) => JSON.stringify(config[k]).includes(values[0])) as string;
        const withValue = (v: string) => (plugin === "custom" ? { value: v, secret: true } : plugin === "gcp" || plugin === "gcs" ? JSON.stringify({ private_key: v }) : v);
        await t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...config, [field]: withValue(rotated) } } });
        await t.expect(400, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...config, [field]: withValue(failed), bogus: 1 } } });
        await t.expect(400, "POST", base, { body: { plugin, config: { ...config, [field]: withValue(failed), bogus: 1 }, handle: "Bad Handle" } });
        await t.expect(412, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...config, [field]: withValue(failed) } }, headers: { "if-match": '"99"' } });
        await t.expect(200, "DELETE", `/v1/connections/${c.id}?dryRun=true`);
      }
      // a secret too long, of the wrong type, and in a postgres test that really connects or fails
      const long = `LONG-${i}-`.padEnd(2000, "x");
      secrets.push(long.slice(0, 40));
      await t.expect(400, "POST", base, { body: { plugin: "postgres", config: { host: "h", port: 1, database: "d", user: "u", password: long } } });
      const real = { host: pg.hostname, port: Number(pg.port || 5432), database: pg.pathname.slice(1) || "postgres", user: decodeURIComponent(pg.username || "postgres"), password: `REAL-${i}-pw`, sslmode: "disable" };
      secrets.push(real.password);
      await t.expect(200, "POST", `${base}/test`, { body: { plugin: "postgres", config: real } });
      await t.expect(200, "POST", `${base}/test`, { body: { plugin: "postgres", config: { ...real, port: 1, database: "nope" } } });
      const pgConn = await t.expect(201, "POST", base, { body: { plugin: "postgres", config: real } });
      await t.expect(200, "GET", base);
      await t.expect(200, "DELETE", `/v1/connections/${pgConn.id}?confirm=${pgConn.handle}`);
      await t.expect(200, "GET", `/v1/${scopePath(scope)}/audit?limit=500`);
    }
    expect(secrets.length).to.be.above(60);

    const audit = await t.db.query("SELECT * FROM audit_log");
    expect(audit.rows.length).to.be.above(60);
    const places: [string, string][] = [
      ["response bodies", bodies.join("\n")],
      ["log lines", t.logLines.join("\n")],
      ["audit records", JSON.stringify(audit.rows)],
      ["the whole database", await dumpText(t.db)],
    ];
    expect(t.logLines.length).to.be.above(100);
    for (const [where, text] of places) {
      const found = secrets.filter((s) => text.includes(s));
      expect(found, `secrets found in ${where}`).to.deep.equal([]);
    }
  });
});
