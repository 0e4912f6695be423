import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aws, azure, gcp } from "../../../sdk";
import { snapshotFromJson } from "../../../sdk/clouds";
import type { HierarchySnapshot } from "../../../contract/hierarchy";

const repo = join(__dirname, "..", "..", "..");
const load = (...p: string[]) => JSON.parse(readFileSync(join(repo, ...p), "utf8")) as unknown;
const fixture = (name: string) => load("tests", "fixtures", "clouds", name);

/** Every parent named exists and is a folder, ids are unique, one top. */
function expectTree(snap: HierarchySnapshot) {
  const byId = new Map(snap.nodes.map((n) => [n.id, n]));
  expect(byId.size, "unique ids").to.equal(snap.nodes.length);
  expect(snap.nodes.filter((n) => n.parentId === null)).to.have.length(1);
  for (const n of snap.nodes) if (n.parentId !== null) expect(byId.get(n.parentId)?.kind, `parent of ${n.id}`).to.equal("folder");
}

/** The leaves that differ between two snapshots, by what changed. */
function leafChanges(before: HierarchySnapshot, after: HierarchySnapshot) {
  const a = new Map(before.nodes.filter((n) => n.kind === "leaf").map((n) => [n.id, n]));
  const b = new Map(after.nodes.filter((n) => n.kind === "leaf").map((n) => [n.id, n]));
  return {
    added: [...b.keys()].filter((id) => !a.has(id)).map((id) => b.get(id)!.name),
    removed: [...a.keys()].filter((id) => !b.has(id)).map((id) => a.get(id)!.name),
    renamed: [...a.keys()].filter((id) => b.has(id) && a.get(id)!.name !== b.get(id)!.name).map((id) => `${a.get(id)!.name} -> ${b.get(id)!.name}`),
    moved: [...a.keys()].filter((id) => b.has(id) && a.get(id)!.parentId !== b.get(id)!.parentId).map((id) => a.get(id)!.name),
  };
}

const EXAMPLES = [
  { cloud: "aws", dir: "aws-organization", parse: aws.fromCliExport },
  { cloud: "azure", dir: "azure-management-groups", parse: azure.fromCliExport },
  { cloud: "gcp", dir: "gcp-folders", parse: gcp.fromCliExport },
] as const;

describe("sdk/clouds fromCliExport", () => {
  for (const { cloud, dir, parse } of EXAMPLES) {
    it(`examples/${dir}/export.json is a ${cloud} snapshot of 40 leaves below 4 levels, with colliding names`, () => {
      const snap = parse(load("examples", dir, "export.json"));
      expect(snap.cloud).to.equal(cloud);
      expectTree(snap);
      expect(snap.nodes.filter((n) => n.kind === "leaf")).to.have.length(40);
      expect(snap.nodes.filter((n) => n.kind === "folder")).to.have.length(13);
      const names = snap.nodes.filter((n) => n.kind === "leaf").map((n) => n.name);
      expect(names).to.include.members(["Prod Payments", "prod-payments", "Shared Services", "shared-services"]);
      // Depth: top › Workloads › Prod › Payments › EU › leaf.
      const byId = new Map(snap.nodes.map((n) => [n.id, n]));
      const depth = (id: string | null): number => (id === null ? 0 : 1 + depth(byId.get(id)!.parentId));
      expect(Math.max(...snap.nodes.map((n) => depth(n.id)))).to.equal(6);
    });

    it(`examples/${dir}/export-edited.json differs by one rename, one move, one new and one closed leaf`, () => {
      const before = parse(load("examples", dir, "export.json"));
      const after = parse(load("examples", dir, "export-edited.json"));
      expectTree(after);
      expect(leafChanges(before, after)).to.deep.equal({
        added: ["payments-eu-4"],
        removed: ["sandbox-erin"],
        renamed: ["payments-ledger -> payments-ledger-v2"],
        moved: ["staging-web"],
      });
      expect(after.nodes.filter((n) => n.kind === "folder")).to.deep.equal(before.nodes.filter((n) => n.kind === "folder"));
    });
  }

  it("aws: list outputs become a snapshot; closed accounts are left out unless asked for", () => {
    const snap = aws.fromCliExport(fixture("aws-list-outputs.json"));
    expect(snap.nodes.map((n) => [n.id, n.kind, n.parentId])).to.deep.equal([
      ["r-x9y8", "folder", null],
      ["ou-x9y8-1a2b3c4d", "folder", "r-x9y8"],
      ["444455556666", "leaf", "r-x9y8"],
      ["123456789012", "leaf", "ou-x9y8-1a2b3c4d"],
    ]);
    expect(snap.nodes[3].meta).to.deep.include({ email: "prod-payments@example.org", status: "ACTIVE", state: "ACTIVE", joinedTimestamp: "2020-02-11T09:41:07.904Z" });
    const all = aws.fromCliExport(fixture("aws-list-outputs.json"), { includeClosed: true });
    expect(all.nodes.find((n) => n.id === "210987654321")!.meta).to.include({ status: "PENDING_CLOSURE" });
  });

  it("aws: an export that stopped before listing a parent is refused, naming the parent", () => {
    const broken = fixture("aws-list-outputs.json") as { Parents: Record<string, unknown> };
    delete broken.Parents["ou-x9y8-1a2b3c4d"];
    expect(() => aws.fromCliExport(broken)).to.throw(/Parents has no entry for ou-x9y8-1a2b3c4d/);
    expect(() => aws.fromCliExport({ Accounts: [] })).to.throw(/AWS export: "Roots" is missing/);
  });

  it("azure: a non-root group with an empty child group becomes a snapshot topped by that group", () => {
    const snap = azure.fromCliExport(fixture("azure-management-group-show.json"));
    expect(snap.nodes.map((n) => [n.id, n.kind, n.name, n.parentId])).to.deep.equal([
      ["contoso", "folder", "Contoso", null],
      ["contoso-landingzones", "folder", "Landing Zones", "contoso"],
      ["6b3e0a51-2f4d-4c8e-9a17-8d2c5e4f1b09", "leaf", "Corp Production", "contoso-landingzones"],
      ["contoso-decommissioned", "folder", "Decommissioned", "contoso"],
    ]);
    expect(() => azure.fromCliExport({ name: "x", type: "/subscriptions" })).to.throw(/the top must be a management group/);
  });

  it("gcp: gcloud lists become a snapshot; deleted projects and projects of other organizations are left out", () => {
    const snap = gcp.fromCliExport(fixture("gcp-gcloud-lists.json"));
    expect(snap.nodes.map((n) => [n.id, n.kind, n.name, n.parentId])).to.deep.equal([
      ["organizations/905761234518", "folder", "example.org", null],
      ["folders/817263540011", "folder", "Production", "organizations/905761234518"],
      ["folders/817263540099", "folder", "EU", "folders/817263540011"],
      ["prod-payments-7c1e", "leaf", "Prod Payments", "folders/817263540011"],
      ["payments-eu-31f0", "leaf", "payments-eu", "folders/817263540099"],
    ]);
    expect(snap.nodes[3].meta).to.deep.equal({ projectNumber: "482910375561", state: "ACTIVE", labels: { env: "prod", team: "payments" } });
    const all = gcp.fromCliExport(fixture("gcp-gcloud-lists.json"), { includeClosed: true });
    expect(all.nodes.map((n) => n.id)).to.include("legacy-billing-0a9b");
    expect(() => gcp.fromCliExport({ projects: [] })).to.throw(/expected \{ "organization"/);
  });

  it("snapshotFromJson takes a snapshot as it is, an export by its shape, and refuses another cloud's snapshot", () => {
    const snap = aws.fromCliExport(fixture("aws-list-outputs.json"));
    expect(snapshotFromJson("aws", snap)).to.deep.equal(snap);
    expect(snapshotFromJson("aws", fixture("aws-list-outputs.json"))).to.deep.equal(snap);
    expect(() => snapshotFromJson("gcp", snap)).to.throw(/of cloud "aws", not "gcp"/);
    expect(() => snapshotFromJson("aws", { cloud: "aws", nodes: [{ id: "" }] })).to.throw(/the snapshot is not valid: nodes\.0/);
  });
});
