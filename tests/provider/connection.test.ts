import { expect } from "chai";
import { provider } from "../../provider/connection";

const inputs = {
  scopeId: "tnt_0123456789abcdefghjk",
  plugin: "postgres",
  config: { host: "db", port: 5432, database: "app", user: "u", password: "pw" },
  title: "App",
};
const state = {
  ...inputs,
  handle: "app",
  description: "",
  folderId: null,
  managedBy: null,
  version: 2,
  createdAt: "",
  updatedAt: "",
  secretFingerprints: { password: "fp1" },
  appliedFingerprints: { password: "fp1" },
};

describe("Connection provider: check", () => {
  it("names the property of every bad input", async () => {
    const res = await provider.check!({}, { scopeId: "nope", plugin: "postgres", config: { host: "db", port: "5432", database: "app", user: "u", password: "pw", extra: 1 }, handle: "Bad-Handle" });
    const props = res.failures!.map((f) => f.property);
    expect(props).to.include.members(["scopeId", "config.port", "config.extra", "handle"]);
    expect(res.failures!.find((f) => f.property === "scopeId")!.reason).to.contain("tnt_");
  });

  it("refuses an unknown plugin by listing the known ones", async () => {
    const res = await provider.check!({}, { ...inputs, plugin: "oracle" });
    expect(res.failures![0]).to.include({ property: "plugin" });
    expect(res.failures![0].reason).to.contain("postgres");
  });

  it("accepts valid inputs unchanged", async () => {
    const res = await provider.check!({}, inputs);
    expect(res.failures).to.deep.equal([]);
    expect(res.inputs).to.deep.equal(inputs);
  });
});

describe("Connection provider: diff", () => {
  it("reports no change for the same inputs", async () => {
    expect(await provider.diff!("conn_x", state, inputs)).to.include({ changes: false });
  });

  it("replaces on a new scope or plugin", async () => {
    const res = await provider.diff!("conn_x", state, { ...inputs, scopeId: "org_0123456789abcdefghjk" });
    expect(res).to.include({ changes: true });
    expect(res.replaces).to.deep.equal(["scopeId"]);
    const res2 = await provider.diff!("conn_x", state, { ...inputs, plugin: "custom", config: {} });
    expect(res2.replaces).to.deep.equal(["plugin"]);
  });

  it("updates in place for title, handle, folder and config", async () => {
    for (const change of [{ title: "New" }, { handle: "app2" }, { folderId: "fld_0123456789abcdefghjk" }, { config: { ...inputs.config, password: "new" } }]) {
      const res = await provider.diff!("conn_x", state, { ...inputs, ...change });
      expect(res, JSON.stringify(change)).to.include({ changes: true });
      expect(res.replaces, JSON.stringify(change)).to.deep.equal([]);
    }
  });

  it("sees a secret changed outside Pulumi through its fingerprint", async () => {
    const drifted = { ...state, secretFingerprints: { password: "fp2" } };
    const res = await provider.diff!("conn_x", drifted, inputs);
    expect(res).to.include({ changes: true });
    expect(res.replaces).to.deep.equal([]);
  });

  it("keeps a derived handle when the program gives none", async () => {
    expect(await provider.diff!("conn_x", state, { ...inputs })).to.include({ changes: false });
  });
});
