// The mirror components (SPEC §6.2, §9) under Pulumi's mocks: which resources a snapshot becomes,
// named from cloud ids only; what a rename or a move changes (inputs, never names); the template,
// its secrets and its defaults; and the errors that name the node or the argument at fault.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import type { HierarchySnapshot } from "../../contract/hierarchy";
import { AwsOrganizationMirror, AzureManagementGroupMirror, GcpFolderMirror, resourceNameOf, type MirrorArgs } from "../../sdk/mirror";

interface Made {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
let made: Made[] = [];

const TNT = "tnt_0123456789abcdefghjk";
const aws = (over: (nodes: HierarchySnapshot["nodes"]) => void = () => {}): HierarchySnapshot => {
  const nodes: HierarchySnapshot["nodes"] = [
    { id: "r-1", kind: "folder", name: "Root", parentId: null },
    { id: "ou-1-prod", kind: "folder", name: "Prod", parentId: "r-1" },
    { id: "ou-1-dev", kind: "folder", name: "Dev", parentId: "r-1" },
    { id: "111111111111", kind: "leaf", name: "Payments", parentId: "ou-1-prod" },
    { id: "222222222222", kind: "leaf", name: "payments", parentId: "ou-1-dev" },
    { id: "333333333333", kind: "leaf", name: "Web", parentId: "ou-1-dev" },
  ];
  over(nodes);
  return { cloud: "aws", nodes };
};

const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
/** Lets the mocks register everything the component made. */
const settle = async (m: { folderIds: pulumi.Output<unknown>; connectionIds: pulumi.Output<unknown> }) => {
  await outputOf(m.folderIds);
  await outputOf(m.connectionIds);
};
const SECRET_SIG = pulumi.runtime.specialSigKey;
const byName = (name: string) => made.find((m) => m.name === name)!;

describe("mirror components", () => {
  before(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          made.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}_id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "project",
      "stack",
      true,
    );
  });
  beforeEach(() => (made = []));

  it("make a folder per folder node and a connection per leaf, named from cloud ids, with ids by cloud id", async () => {
    const m = new AwsOrganizationMirror("estate", { scopeId: TNT, hierarchy: aws() });
    await settle(m);
    expect(made.filter((r) => r.type.endsWith("Folder")).map((r) => r.name).sort()).to.deep.equal(["estate/folder/ou-1-dev", "estate/folder/ou-1-prod", "estate/folder/r-1"]);
    expect(made.filter((r) => r.type.endsWith("Connection")).map((r) => r.name).sort()).to.deep.equal(["estate/leaf/111111111111", "estate/leaf/222222222222", "estate/leaf/333333333333"]);
    expect(await outputOf(m.folderIds)).to.deep.equal({ "r-1": "estate/folder/r-1_id", "ou-1-prod": "estate/folder/ou-1-prod_id", "ou-1-dev": "estate/folder/ou-1-dev_id" });
    expect(await outputOf(m.connectionIds)).to.include({ "111111111111": "estate/leaf/111111111111_id" });
    // nested as in the tree; the colliding handle goes to the larger id, suffixed from it
    expect(byName("estate/folder/ou-1-prod").inputs).to.deep.include({ title: "Prod", parentId: "estate/folder/r-1_id" });
    expect(byName("estate/leaf/111111111111").inputs).to.deep.include({ handle: "aws_payments", title: "Payments", folderId: "estate/folder/ou-1-prod_id", plugin: "aws" });
    expect(byName("estate/leaf/222222222222").inputs).to.deep.include({ handle: "aws_payments_222222" });
    expect((byName("estate/leaf/111111111111").inputs.config as { roleArn: string }).roleArn).to.equal("arn:aws:iam::111111111111:role/switchyard");
  });

  it("a rename or a move changes the same resource's inputs, never its name", async () => {
    await settle(new AwsOrganizationMirror("estate", { scopeId: TNT, hierarchy: aws() }));
    const names = made.map((r) => r.name).sort();
    made = [];
    const next = aws((nodes) => {
      nodes[5].name = "Web v2";
      nodes[4].parentId = "ou-1-prod";
    });
    await settle(new AwsOrganizationMirror("estate", { scopeId: TNT, hierarchy: next }));
    expect(made.map((r) => r.name).sort()).to.deep.equal(names);
    expect(byName("estate/leaf/333333333333").inputs).to.deep.include({ title: "Web v2", handle: "aws_web_v2" });
    expect(byName("estate/leaf/222222222222").inputs).to.deep.include({ folderId: "estate/folder/ou-1-prod_id" });
  });

  it("mirrors under parentFolderId, leaves excluded subtrees out, and escapes ':' in names", async () => {
    const hierarchy = aws((nodes) => nodes.push({ id: "ou::odd", kind: "folder", name: "Odd", parentId: "r-1" }));
    await settle(new AwsOrganizationMirror("estate", { scopeId: TNT, hierarchy, parentFolderId: "fld_0123456789abcdefghjk", exclude: ["ou-1-dev"] }));
    expect(byName("estate/folder/r-1").inputs.parentId).to.equal("fld_0123456789abcdefghjk");
    expect(made.map((r) => r.name)).to.not.include("estate/leaf/333333333333");
    expect(made.map((r) => r.name)).to.include(`estate/folder/${resourceNameOf("ou::odd")}`);
    expect(resourceNameOf("ou::odd")).to.not.contain("::");
  });

  it("keeps template secrets secret, fills {id} and {name} in outputs, and takes a function per leaf", async () => {
    const hierarchy: HierarchySnapshot = { cloud: "azure", nodes: [{ id: "root", kind: "folder", name: "Root", parentId: null }, { id: "00000000-0000-4000-8000-000000000001", kind: "leaf", name: "Sub", parentId: "root" }] };
    const clientId = pulumi.output("00000000-0000-4000-8000-00000000000a");
    await settle(new AzureManagementGroupMirror("az", { scopeId: TNT, hierarchy, connection: { config: { tenantId: "00000000-0000-4000-8000-0000000000ff", clientId, clientSecret: "s3cret" } } }));
    const config = byName("az/leaf/00000000-0000-4000-8000-000000000001").inputs.config;
    // a secret field makes the config a secret value (the engine's secret signature)
    expect(config).to.have.property(SECRET_SIG);
    expect((config as { value: unknown }).value).to.deep.equal({ subscriptionId: "00000000-0000-4000-8000-000000000001", tenantId: "00000000-0000-4000-8000-0000000000ff", clientSecret: "s3cret", clientId: "00000000-0000-4000-8000-00000000000a" });

    const fn: MirrorArgs["connection"] = (leaf) => ({ projectId: leaf.id, credentials: pulumi.secret(`{"for":"${leaf.name}"}`) });
    const g = new GcpFolderMirror("g", { scopeId: TNT, hierarchy: { cloud: "gcp", nodes: [{ id: "organizations/1", kind: "folder", name: "org", parentId: null }, { id: "proj-one", kind: "leaf", name: "One", parentId: "organizations/1" }] }, connection: fn });
    await settle(g);
    expect((byName("g/leaf/proj-one").inputs.config as { value: unknown }).value).to.deep.equal({ projectId: "proj-one", credentials: '{"for":"One"}' });
  });

  it("refuses a snapshot that is not a tree, naming the node, and a bad template naming the leaf and field", () => {
    const cycle = aws((nodes) => (nodes[0].parentId = "ou-1-prod"));
    expect(() => new AwsOrganizationMirror("bad", { scopeId: TNT, hierarchy: cycle })).to.throw(/AwsOrganizationMirror "bad": the hierarchy is not a tree: nodes "ou-1-prod" → "r-1"|"r-1" → "ou-1-prod"/);
    const shape = aws((nodes) => ((nodes[3] as { kind: string }).kind = "account"));
    expect(() => new AwsOrganizationMirror("bad", { scopeId: TNT, hierarchy: shape })).to.throw(/hierarchy\.nodes\.3\.kind \(node "111111111111"\)/);
    expect(() => new GcpFolderMirror("bad", { scopeId: TNT, hierarchy: aws() })).to.throw(/cloud "aws"/);
    expect(() => new AwsOrganizationMirror("bad", { scopeId: TNT, hierarchy: aws(), handlePrefix: "Bad Prefix" })).to.throw(/handlePrefix/);
    expect(() => new AwsOrganizationMirror("bad", { scopeId: TNT, hierarchy: aws(), connection: { config: { regions: ["mars-1"] } } })).to.throw(/leaf "111111111111" \(Payments\): config\.regions\.0/);
  });
});
