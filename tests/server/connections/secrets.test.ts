import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { SAMPLE_SECRET_FIELDS, sampleConfigs } from "../../helpers/configs";
import { dumpText } from "../../helpers/snapshot";

const PG = { host: "db.internal", port: 5432, database: "app", user: "reader" };

describeEachDb("connection secrets (SPEC §3.4)", (ctx) => {
  let url: string;
  before(async () => {
    const { org } = await ctx.t.hierarchy();
    url = `/v1/${scopePath(org)}/connections`;
  });
  const secretsOf = async (id: string) =>
    (await ctx.t.db.query<{ secrets: Record<string, Record<string, string>> }>("SELECT secrets FROM connections WHERE id = $1", [id])).rows[0].secrets;

  it("secret fields are encrypted at rest: no table holds a plaintext secret, for every plugin", async () => {
    const samples = sampleConfigs("at-rest");
    for (const [plugin, { config }] of Object.entries(samples)) {
      const c = await ctx.t.expect(201, "POST", url, { body: { plugin, config } });
      const sealed = await secretsOf(c.id);
      expect(Object.keys(sealed), plugin).to.deep.equal(SAMPLE_SECRET_FIELDS[plugin]);
      for (const s of Object.values(sealed)) expect(s).to.have.keys("v", "iv", "ct", "tag", "fp");
    }
    const everything = await dumpText(ctx.t.db);
    for (const { secrets } of Object.values(samples)) for (const secret of secrets) expect(everything).to.not.contain(secret);
  });

  it("reads, lists and creates show a secret only as { secret, set, fingerprint }", async () => {
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "postgres", handle: "shown", config: { ...PG, password: "pw-shown-once" } } });
    const read = await ctx.t.expect(200, "GET", `/v1/connections/${c.id}`);
    const listed = (await ctx.t.expect(200, "GET", url)).items.find((i: { id: string }) => i.id === c.id);
    for (const view of [c, read, listed]) {
      expect(view.config.password).to.have.keys("secret", "set", "fingerprint");
      expect(view.config.password).to.include({ secret: true, set: true });
      expect(view.config.password.fingerprint).to.match(/^[A-Za-z0-9_-]{16,}$/);
      expect(JSON.stringify(view)).to.not.contain("pw-shown-once");
    }
  });

  it("the fingerprint changes when the value changes, and not otherwise", async () => {
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "postgres", config: { ...PG, password: "first" } } });
    const fp = async () => (await ctx.t.expect(200, "GET", `/v1/connections/${c.id}`)).config.password.fingerprint as string;
    const first = await fp();
    const sealedFirst = await secretsOf(c.id);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { title: "renamed" } });
    expect(await fp(), "title change").to.equal(first);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...PG, port: 5433 } } });
    expect(await fp(), "secret omitted").to.equal(first);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...PG, password: "first" } } });
    expect(await fp(), "same value sent again").to.equal(first);
    expect(await secretsOf(c.id), "same value keeps its ciphertext").to.deep.equal(sealedFirst);
    const echoed = (await ctx.t.expect(200, "GET", `/v1/connections/${c.id}`)).config;
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: echoed } });
    expect(await fp(), "read config echoed back").to.equal(first);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...PG, password: "second" } } });
    const second = await fp();
    expect(second, "new value").to.not.equal(first);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...PG, password: "first" } } });
    expect(await fp(), "back to the first value").to.equal(first);
  });

  it("a secret omitted on update keeps its stored value; null clears an optional one", async () => {
    const keys = { bucket: "data-lake", region: "eu-west-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE" };
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "s3", config: { ...keys, secretAccessKey: "s3-secret" } } });
    const kept = await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { ...keys, region: "us-east-1" } } });
    expect(kept.config.secretAccessKey).to.deep.equal(c.config.secretAccessKey);
    expect(kept.config.region).to.equal("us-east-1");
    const cleared = await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { bucket: "data-lake", region: "us-east-1", secretAccessKey: null } } });
    expect(cleared.config.secretAccessKey).to.deep.equal({ secret: true, set: false, fingerprint: null });
    expect(cleared.config).to.not.have.property("accessKeyId");
    expect(await secretsOf(c.id)).to.deep.equal({});
    // echoing the unset secret back is fine
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: cleared.config } });
  });

  it("clearing a required secret is a 400 naming it, and changes nothing", async () => {
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "postgres", config: { ...PG, password: "needed" } } });
    const res = await ctx.t.patch(`/v1/connections/${c.id}`, { config: { ...PG, password: null } });
    expect(res.status).to.equal(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(["body.config.password"]);
    const after = await ctx.t.expect(200, "GET", `/v1/connections/${c.id}`);
    expect(after.version).to.equal(1);
    expect(after.config.password).to.deep.equal(c.config.password);
  });

  it("custom secrets: each kept when omitted, cleared by null", async () => {
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: { url: "u", key: { value: "k1", secret: true }, other: { value: "o1", secret: true } } } });
    expect(c.config.key).to.include({ secret: true, set: true });
    const kept = await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { url: "u2" } } });
    expect(kept.config.key).to.deep.equal(c.config.key);
    expect(kept.config.other).to.deep.equal(c.config.other);
    const cleared = await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { config: { key: null } } });
    expect(cleared.config).to.not.have.property("key");
    expect(cleared.config.other).to.deep.equal(c.config.other);
    expect(Object.keys(await secretsOf(c.id))).to.deep.equal(["other"]);
  });

  it("a secret must be a string (or null): another type is a 400 naming it", async () => {
    const res = await ctx.t.post(url, { plugin: "postgres", config: { ...PG, password: { value: "x" } } });
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal("body.config.password");
    const redacted = await ctx.t.post(url, { plugin: "postgres", config: { ...PG, password: { secret: true, set: true, fingerprint: "abc" } } });
    expect(redacted.status, "a redacted value with nothing stored to keep").to.equal(400);
    expect(redacted.body.error.details[0].field).to.equal("body.config.password");
  });

  it("a ciphertext copied to another connection or field does not decrypt: the service says so without the value", async () => {
    const a = await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: { k1: { value: "value-of-a-k1", secret: true }, k2: { value: "value-of-a-k2", secret: true } } } });
    const b = await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: { k1: { value: "value-of-b", secret: true } } } });
    expect((await ctx.t.post(`/v1/connections/${b.id}/test`)).status).to.equal(200);
    // another connection's ciphertext
    await ctx.t.db.query("UPDATE connections SET secrets = jsonb_set(secrets, '{k1}', (SELECT secrets->'k1' FROM connections WHERE id = $1)) WHERE id = $2", [a.id, b.id]);
    const copied = await ctx.t.post(`/v1/connections/${b.id}/test`);
    expect(copied.status).to.equal(500);
    expect(copied.body.error).to.deep.include({ code: "secret_unreadable", details: { field: "config.k1" } });
    expect(copied.raw).to.not.contain("value-of");
    // another field's ciphertext within one connection
    await ctx.t.db.query("UPDATE connections SET secrets = jsonb_set(secrets, '{k1}', secrets->'k2') WHERE id = $1", [a.id]);
    const swapped = await ctx.t.post(`/v1/connections/${a.id}/test`);
    expect(swapped.body.error).to.deep.include({ code: "secret_unreadable", details: { field: "config.k1" } });
    // setting the secret again repairs it
    await ctx.t.expect(200, "PATCH", `/v1/connections/${b.id}`, { body: { config: { k1: { value: "fresh", secret: true } } } });
    expect((await ctx.t.post(`/v1/connections/${b.id}/test`)).status).to.equal(200);
    expect(ctx.t.logLines.join("\n")).to.not.contain("value-of");
  });
});
