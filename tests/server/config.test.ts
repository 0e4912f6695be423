import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { loadConfig } from "../../server/config";

describe("service configuration (SPEC §7.1)", () => {
  it("with no settings, the documented defaults apply (port 8686, host 127.0.0.1, embedded database)", () => {
    const c = loadConfig({});
    expect(c).to.include({ port: 8686, host: "127.0.0.1", dataDir: resolve(".switchyard"), databaseUrl: undefined, secretKey: undefined, bootstrapToken: undefined });
    expect(c.rateLimit).to.be.above(0);
    expect(c.bodyLimit).to.be.above(0);
  });

  it("reads every setting from the given environment, not from process.env at import time", () => {
    const key = randomBytes(32).toString("base64");
    const c = loadConfig({
      SWITCHYARD_PORT: "9001",
      SWITCHYARD_HOST: "0.0.0.0",
      SWITCHYARD_DATA_DIR: "/tmp/sy-data",
      DATABASE_URL: "postgresql://u@db:5432/sy",
      SWITCHYARD_SECRET_KEY: key,
      SWITCHYARD_BOOTSTRAP_TOKEN: "a-bootstrap-token-0123456789",
      SWITCHYARD_RATE_LIMIT: "50",
      SWITCHYARD_BODY_LIMIT: "4096",
      SWITCHYARD_LOG_LEVEL: "warn",
    });
    expect(c).to.deep.include({ port: 9001, host: "0.0.0.0", dataDir: "/tmp/sy-data", databaseUrl: "postgresql://u@db:5432/sy", secretKey: key, bootstrapToken: "a-bootstrap-token-0123456789", rateLimit: 50, bodyLimit: 4096, logLevel: "warn" });
  });

  it("empty settings count as unset", () => {
    const c = loadConfig({ DATABASE_URL: "", SWITCHYARD_SECRET_KEY: "", SWITCHYARD_BOOTSTRAP_TOKEN: "" });
    expect(c).to.include({ databaseUrl: undefined, secretKey: undefined, bootstrapToken: undefined });
  });

  it("an invalid setting stops start-up with a message naming it", () => {
    const cases: [Record<string, string>, string][] = [
      [{ SWITCHYARD_PORT: "http" }, "SWITCHYARD_PORT"],
      [{ SWITCHYARD_PORT: "70000" }, "SWITCHYARD_PORT"],
      [{ DATABASE_URL: "mysql://db/x" }, "DATABASE_URL"],
      [{ SWITCHYARD_SECRET_KEY: "too-short" }, "SWITCHYARD_SECRET_KEY"],
      [{ SWITCHYARD_BOOTSTRAP_TOKEN: "short" }, "SWITCHYARD_BOOTSTRAP_TOKEN"],
      [{ SWITCHYARD_BOOTSTRAP_TOKEN: "has a space in the middle" }, "SWITCHYARD_BOOTSTRAP_TOKEN"],
      [{ SWITCHYARD_BOOTSTRAP_TOKEN: "x".repeat(513) }, "SWITCHYARD_BOOTSTRAP_TOKEN"],
      [{ SWITCHYARD_RATE_LIMIT: "0" }, "SWITCHYARD_RATE_LIMIT"],
      [{ SWITCHYARD_LOG_LEVEL: "loud" }, "SWITCHYARD_LOG_LEVEL"],
    ];
    for (const [env, name] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).to.throw(new RegExp(`invalid configuration: .*${name}`));
    }
  });

  it("the secret key may be given as 64 hex characters too", () => {
    const hex = randomBytes(32).toString("hex");
    expect(loadConfig({ SWITCHYARD_SECRET_KEY: hex }).secretKey).to.equal(hex);
  });
});
