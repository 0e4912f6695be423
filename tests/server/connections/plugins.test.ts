import { expect } from "chai";
import { describeEachDb } from "../../helpers/app";

const SECRET_FIELDS: Record<string, string[]> = {
  aws: ["secretAccessKey"],
  azure: ["clientSecret"],
  gcp: ["credentials"],
  postgres: ["password"],
  s3: ["secretAccessKey"],
  gcs: ["serviceAccountKey"],
  dhis2: ["password"],
  iaso: ["password"],
  custom: [],
};

describeEachDb("plugin catalog (SPEC §3.3)", (ctx) => {
  it("GET /v1/plugins lists aws, azure, gcp, postgres, s3, gcs, dhis2, iaso and custom with their secret fields", async () => {
    const { items } = await ctx.t.expect(200, "GET", "/v1/plugins");
    expect(items.map((p: { type: string }) => p.type).sort()).to.deep.equal(Object.keys(SECRET_FIELDS).sort());
    for (const p of items) expect(p.secretFields, p.type).to.deep.equal(SECRET_FIELDS[p.type]);
  });

  it("each plugin's config schema is a JSON schema whose secret properties are marked writeOnly and x-secret", async () => {
    const { items } = await ctx.t.expect(200, "GET", "/v1/plugins");
    for (const p of items) {
      expect(p.configSchema.type, p.type).to.equal("object");
      const props = (p.configSchema.properties ?? {}) as Record<string, { writeOnly?: boolean; "x-secret"?: boolean }>;
      for (const [name, prop] of Object.entries(props)) {
        const secret = SECRET_FIELDS[p.type].includes(name);
        expect(prop["x-secret"] === true, `${p.type}.${name}`).to.equal(secret);
        expect(prop.writeOnly === true, `${p.type}.${name}`).to.equal(secret);
      }
      if (p.type !== "custom") expect(p.configSchema.additionalProperties, p.type).to.equal(false);
    }
  });

  it("only postgres is marked testable (reached by `test`); the others are checked for shape", async () => {
    const { items } = await ctx.t.expect(200, "GET", "/v1/plugins");
    expect(items.filter((p: { testable: boolean }) => p.testable).map((p: { type: string }) => p.type)).to.deep.equal(["postgres"]);
  });
});
