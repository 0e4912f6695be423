import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";
import { sampleConfigs } from "../../helpers/configs";

/** A value of the wrong type for a field whose valid value is `v`. */
function wrongType(v: unknown): unknown {
  if (typeof v === "string") return 12345;
  if (typeof v === "number") return "5432";
  if (Array.isArray(v)) return "eu-west-1";
  return "plain";
}

describeEachDb("connection config validation (SPEC §3.3)", (ctx) => {
  let url: string;
  before(async () => {
    const { org } = await ctx.t.hierarchy();
    url = `/v1/${scopePath(org)}/connections`;
  });

  const fieldsOf = (res: { body: { error: { details?: { field: string }[] } } }) => (res.body.error.details ?? []).map((d) => d.field);

  it("a valid config of every plugin is accepted", async () => {
    for (const [plugin, { config }] of Object.entries(sampleConfigs("ok"))) {
      const res = await ctx.t.post(url, { plugin, config });
      expect(res.status, `${plugin}: ${res.raw}`).to.equal(201);
      expect(res.body.plugin).to.equal(plugin);
    }
    await ctx.t.expect(201, "POST", url, { body: { plugin: "aws", config: { regions: ["eu-west-1"], roleArn: "arn:aws:iam::123456789012:role/Reader", externalId: "ext" } } });
    await ctx.t.expect(201, "POST", url, { body: { plugin: "s3", config: { bucket: "public-data", region: "us-east-1" } } });
    await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: {} } });
  });

  it("an unknown config field is refused with a 400 naming it, for every plugin but custom (whose fields are free)", async () => {
    for (const [plugin, { config }] of Object.entries(sampleConfigs("unknown"))) {
      if (plugin === "custom") continue;
      const res = await ctx.t.post(url, { plugin, config: { ...config, bogusField: "x" } });
      expect(res.status, plugin).to.equal(400);
      expect(fieldsOf(res), `${plugin}: ${res.raw}`).to.include("body.config.bogusField");
      expect(res.body.error.message).to.contain("bogusField");
    }
  });

  it("a config field of the wrong type is refused with a 400 naming it, for every field of every plugin", async () => {
    for (const [plugin, { config }] of Object.entries(sampleConfigs("types"))) {
      for (const [field, value] of Object.entries(config)) {
        const res = await ctx.t.post(url, { plugin, config: { ...config, [field]: plugin === "custom" ? 12345 : wrongType(value) } });
        expect(res.status, `${plugin}.${field}: ${res.raw}`).to.equal(400);
        expect(fieldsOf(res), `${plugin}.${field}: ${res.raw}`).to.include(`body.config.${field}`);
      }
    }
  });

  it("a missing required field is refused naming it", async () => {
    const res = await ctx.t.post(url, { plugin: "postgres", config: { host: "h", port: 5432, user: "u", password: "p" } });
    expect(res.status).to.equal(400);
    expect(fieldsOf(res)).to.deep.equal(["body.config.database"]);
  });

  it("custom fields: a string is a setting, { value, secret: true } a secret; other shapes and bad names are refused by name", async () => {
    const ok = await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: { region: "eu", token: { value: "t0k", secret: true } } } });
    expect(ok.config.region).to.equal("eu");
    expect(ok.config.token).to.include({ secret: true, set: true });
    for (const [config, field] of [
      [{ n: 5 }, "body.config.n"],
      [{ s: { value: "x", secret: false } }, "body.config.s"],
      [{ "bad-name": "x" }, "body.config.bad-name"],
    ] as const) {
      const res = await ctx.t.post(url, { plugin: "custom", config });
      expect(res.status, JSON.stringify(config)).to.equal(400);
      expect(fieldsOf(res), res.raw).to.include(field);
    }
  });

  it("an unknown plugin is refused naming body.plugin", async () => {
    const res = await ctx.t.post(url, { plugin: "oracle", config: {} });
    expect(res.status).to.equal(400);
    expect(fieldsOf(res)).to.include("body.plugin");
  });

  it("the plugin of a connection cannot be changed by PATCH (400 naming body.plugin, connection unchanged)", async () => {
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "custom", config: {} } });
    for (const plugin of ["aws", "custom"]) {
      const res = await ctx.t.patch(`/v1/connections/${c.id}`, { plugin });
      expect(res.status).to.equal(400);
      expect(fieldsOf(res)).to.include("body.plugin");
      expect(res.body.error.message).to.contain("cannot be changed");
    }
    const after = await ctx.t.expect(200, "GET", `/v1/connections/${c.id}`);
    expect(after).to.include({ plugin: "custom", version: 1 });
  });

  it("a PATCHed config is validated like a new one, naming the field", async () => {
    const { config } = sampleConfigs("patch").postgres;
    const c = await ctx.t.expect(201, "POST", url, { body: { plugin: "postgres", config } });
    const res = await ctx.t.patch(`/v1/connections/${c.id}`, { config: { ...config, port: "x", extra: 1 } });
    expect(res.status).to.equal(400);
    expect(fieldsOf(res)).to.include.members(["body.config.port", "body.config.extra"]);
  });
});
