// What every provider tells the engine during a preview (SPEC §9): inputs not known yet pass
// `check` and decide an update or a replacement in `diff`; every diff names each changed property
// with its kind; replacements whose new object would collide with the old one delete it first.
import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import { provider as attachment } from "../../provider/attachment";
import { provider as connection } from "../../provider/connection";
import { UNKNOWN } from "../../provider/diff";
import { provider as folder } from "../../provider/folder";
import { provider as grant } from "../../provider/grant";
import { provider as member } from "../../provider/member";
import { provider as organization } from "../../provider/organization";
import { provider as workspace } from "../../provider/workspace";

const id = (prefix: string, n = 0) => `${prefix}_${"0123456789abcdefghjk".slice(n) + "0123456789abcdefghjk".slice(0, n)}`;
const TNT = id("tnt"), TNT2 = id("tnt", 1), ORG = id("org"), ORG2 = id("org", 1), WS = id("ws"), WS2 = id("ws", 1);
const FLD = id("fld"), FLD2 = id("fld", 1), CONN = id("conn"), USR = id("usr"), USR2 = id("usr", 1);
const meta = { version: 3, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" };

interface Case {
  provider: pulumi.dynamic.ResourceProvider;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
  /** Inputs that can come from another resource's output, and whether their change replaces. */
  linked: Record<string, "replace" | "update">;
  /** A replacing change whose new object cannot collide with the old one. */
  distinct: Record<string, unknown>;
}

const pgConfig = { host: "db", port: 5432, database: "app", user: "u", password: "pw" };
const CASES: Record<string, Case> = {
  Connection: {
    provider: connection,
    inputs: { scopeId: TNT, plugin: "postgres", config: pgConfig, handle: "app", title: "App", folderId: FLD },
    state: { scopeId: TNT, plugin: "postgres", config: pgConfig, handle: "app", title: "App", description: "", folderId: FLD, managedBy: null, ...meta, secretFingerprints: { password: "f" }, appliedFingerprints: { password: "f" } },
    linked: { scopeId: "replace", plugin: "replace", config: "update", handle: "update", title: "update", description: "update", folderId: "update" },
    distinct: { scopeId: ORG },
  },
  Folder: {
    provider: folder,
    inputs: { scopeId: TNT, title: "Analytics", handle: "analytics", parentId: FLD2 },
    state: { scopeId: TNT, title: "Analytics", handle: "analytics", parentId: FLD2, managedBy: null, ...meta },
    linked: { scopeId: "replace", title: "update", handle: "update", parentId: "update" },
    distinct: { scopeId: ORG },
  },
  Grant: {
    provider: grant,
    inputs: { objectId: FLD, granteeId: WS },
    state: { objectId: FLD, granteeId: WS, objectType: "folder", tenantId: TNT, version: 1, createdAt: "" },
    linked: { objectId: "replace", granteeId: "replace" },
    distinct: { granteeId: WS2 },
  },
  SchemaAttachment: {
    provider: attachment,
    inputs: { workspaceId: WS, objectId: CONN },
    state: { workspaceId: WS, objectId: CONN, objectType: "connection", version: 1, createdAt: "" },
    linked: { workspaceId: "replace", objectId: "replace" },
    distinct: {},
  },
  Organization: {
    provider: organization,
    inputs: { tenantId: TNT, handle: "eng", title: "Engineering" },
    state: { tenantId: TNT, handle: "eng", title: "Engineering", ...meta },
    linked: { tenantId: "replace", handle: "update", title: "update" },
    distinct: { tenantId: TNT2 },
  },
  Workspace: {
    provider: workspace,
    inputs: { orgId: ORG, handle: "analytics", title: "Analytics" },
    state: { orgId: ORG, tenantId: TNT, handle: "analytics", title: "Analytics", ...meta },
    linked: { orgId: "replace", handle: "update", title: "update" },
    distinct: { orgId: ORG2 },
  },
  Member: {
    provider: member,
    inputs: { scopeId: WS, userId: USR, role: "editor" },
    state: { scopeId: WS, userId: USR, role: "editor", userHandle: "ada", ...meta },
    linked: { scopeId: "replace", userId: "replace", role: "update" },
    distinct: { userId: USR2 },
  },
};

const kindOf = (d: pulumi.dynamic.DiffResult) => (d as { changes?: boolean }).changes;

for (const [name, c] of Object.entries(CASES)) {
  describe(`${name} provider: previews, detailed diffs and replacement order`, () => {
    it("accepts its inputs and plans no change against its own state", async () => {
      expect((await c.provider.check!({}, c.inputs)).failures).to.deep.equal([]);
      const d = await c.provider.diff!("x", c.state, c.inputs);
      expect(kindOf(d)).to.equal(false);
      expect(d.replaces).to.deep.equal([]);
    });

    for (const [property, effect] of Object.entries(c.linked)) {
      it(`lets ${property} be unknown in check, and plans it as ${effect === "replace" ? "a replacement" : "an update"} in diff`, async () => {
        const news = { ...c.inputs, [property]: UNKNOWN };
        const checked = await c.provider.check!({}, news);
        expect(checked.failures, JSON.stringify(checked.failures)).to.deep.equal([]);
        // A first preview checks against no state at all.
        expect((await c.provider.check!(undefined as never, news)).failures).to.deep.equal([]);
        const d = await c.provider.diff!("x", c.state, news);
        expect(kindOf(d)).to.equal(true);
        expect(d.replaces).to.deep.equal(effect === "replace" ? [property] : []);
      });
    }

    it("still refuses a known bad value next to an unknown one", async () => {
      const [first] = Object.keys(c.linked);
      const bad = Object.keys(c.inputs).find((p) => p !== first && /Id$/.test(p)) ?? first;
      const news = { ...c.inputs, [bad]: "not-an-id", ...(bad === first ? {} : { [first]: UNKNOWN }) };
      const checked = await c.provider.check!({}, news);
      expect(checked.failures!.map((f) => f.property)).to.include(bad);
    });

    if (Object.keys(c.distinct).length > 0) {
      it("creates a replacement that cannot collide before deleting the old one", async () => {
        const d = await c.provider.diff!("x", c.state, { ...c.inputs, ...c.distinct });
        expect(d.replaces).to.have.length.greaterThan(0);
        expect(d.deleteBeforeReplace).to.equal(false);
      });
    }

    it("deletes the old object first when the replacement would collide with it (e.g. pulumi up --replace)", async () => {
      const d = await c.provider.diff!("x", c.state, c.inputs);
      expect(d.deleteBeforeReplace).to.equal(true);
    });
  });
}

describe("Connection provider: replacement order follows the handle", () => {
  const c = CASES.Connection;
  it("a new plugin keeping the handle in the same scope deletes first", async () => {
    const d = await connection.diff!("x", c.state, { ...c.inputs, plugin: "custom", config: {} });
    expect(d.replaces).to.deep.equal(["plugin"]);
    expect(d.deleteBeforeReplace).to.equal(true);
  });
  it("a new plugin with a new handle creates first", async () => {
    const d = await connection.diff!("x", c.state, { ...c.inputs, plugin: "custom", config: {}, handle: "app_v2" });
    expect(d.deleteBeforeReplace).to.equal(false);
  });
  it("an omitted handle would be derived again, so it deletes first", async () => {
    const { handle: _h, ...rest } = c.inputs;
    const d = await connection.diff!("x", c.state, { ...rest, plugin: "custom", config: {} });
    expect(d.deleteBeforeReplace).to.equal(true);
  });
});

describe("Connection provider: config fields not known yet", () => {
  it("checks the known fields and lets the unknown ones pass", async () => {
    const res = await connection.check!({}, { scopeId: TNT, plugin: "postgres", config: { ...pgConfig, password: UNKNOWN, host: UNKNOWN, port: "x" } });
    expect(res.failures!.map((f) => f.property)).to.deep.equal(["config.port"]);
  });
  it("an unknown plugin postpones the config check", async () => {
    const res = await connection.check!({}, { scopeId: TNT, plugin: UNKNOWN, config: { anything: 1 } });
    expect(res.failures).to.deep.equal([]);
  });
});
