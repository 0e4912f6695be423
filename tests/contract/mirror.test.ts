import { expect } from "chai";
import fc from "fast-check";
import { handleProblem } from "../../contract/handles";
import { hierarchyProblems, type HierarchyNode, type HierarchySnapshot } from "../../contract/hierarchy";
import { AWS_REGIONS, assignHandles, baseHandle, computeMirror, DEFAULT_CONNECTION_TEMPLATES, templateProblem } from "../../contract/mirror";
import { pluginDefinition } from "../../contract/plugins";

const folder = (id: string, name: string, parentId: string | null = null): HierarchyNode => ({ id, kind: "folder", name, parentId });
const leaf = (id: string, name: string, parentId: string | null): HierarchyNode => ({ id, kind: "leaf", name, parentId });
const aws = (nodes: HierarchyNode[]): HierarchySnapshot => ({ cloud: "aws", nodes });
const awsOptions = { connection: DEFAULT_CONNECTION_TEMPLATES.aws };

describe("hierarchy snapshot problems (SPEC §6.1)", () => {
  it("a well-formed forest has no problems", () => {
    expect(hierarchyProblems(aws([folder("r", "Root"), folder("ou1", "Prod", "r"), leaf("111111111111", "a", "ou1"), leaf("222222222222", "b", null)]))).to.deep.equal([]);
  });
  it("a repeated id is named", () => {
    expect(hierarchyProblems(aws([folder("r", "Root"), leaf("1", "a", "r"), leaf("1", "b", "r")]))).to.deep.equal([{ nodeId: "1", problem: 'node id "1" appears more than once' }]);
  });
  it("a missing parent is named", () => {
    const p = hierarchyProblems(aws([leaf("1", "a", "ghost")]));
    expect(p).to.have.length(1);
    expect(p[0].nodeId).to.equal("1");
    expect(p[0].problem).to.include("ghost");
  });
  it("a leaf as a parent is named", () => {
    const p = hierarchyProblems(aws([leaf("1", "a", null), leaf("2", "b", "1")]));
    expect(p.map((x) => x.nodeId)).to.deep.equal(["2"]);
    expect(p[0].problem).to.include("leaf");
  });
  it("a cycle is named once, by its smallest id", () => {
    const p = hierarchyProblems(aws([folder("b", "B", "a"), folder("a", "A", "c"), folder("c", "C", "b"), leaf("1", "x", "a")]));
    expect(p).to.have.length(1);
    expect(p[0].nodeId).to.equal("a");
    expect(p[0].problem).to.include("cycle");
  });
  it("an empty or blank name is named", () => {
    expect(hierarchyProblems(aws([folder("r", "  "), leaf("1", "", "r")])).map((x) => x.nodeId)).to.deep.equal(["r", "1"]);
  });
});

describe("mirror reconcile rule (SPEC §6.2)", () => {
  it("folder nodes become folders parents first, leaves connections in their parent's folder, titles from names", () => {
    const m = computeMirror(aws([leaf("111111111111", "Prod Payments", "ou2"), folder("ou2", "Payments", "ou1"), folder("ou1", "Production", "r"), folder("r", "Root")]), awsOptions);
    expect(m.problems).to.deep.equal([]);
    expect(m.folders).to.deep.equal([
      { cloudId: "r", title: "Root", parentCloudId: null },
      { cloudId: "ou1", title: "Production", parentCloudId: "r" },
      { cloudId: "ou2", title: "Payments", parentCloudId: "ou1" },
    ]);
    expect(m.leaves).to.have.length(1);
    expect(m.leaves[0]).to.include({ cloudId: "111111111111", title: "Prod Payments", handle: "aws_prod_payments", parentCloudId: "ou2", plugin: "aws" });
  });

  it("the AWS default template assumes the switchyard role in the account, in every documented region, and makes a valid config", () => {
    const m = computeMirror(aws([leaf("123456789012", "a", null)]), awsOptions);
    expect(m.leaves[0].config).to.deep.equal({ roleArn: "arn:aws:iam::123456789012:role/switchyard", regions: [...AWS_REGIONS] });
    expect(pluginDefinition("aws")!.schema.safeParse(m.leaves[0].config).success).to.equal(true);
  });

  it("default prefixes are per cloud, and {id} and {name} are replaced at any depth in strings only", () => {
    const template = { plugin: "custom", config: { a: "{id}/{name}/{id}", s: { value: "k-{id}", secret: true }, n: "plain" } };
    const m = computeMirror({ cloud: "gcp", nodes: [leaf("proj-1", "My Project", null)] }, { connection: template });
    expect(m.leaves[0].handle).to.equal("gcp_my_project");
    expect(m.leaves[0].config).to.deep.equal({ a: "proj-1/My Project/proj-1", s: { value: "k-proj-1", secret: true }, n: "plain" });
    expect(computeMirror({ cloud: "azure", nodes: [leaf("x", "Sub", null)] }, { connection: template }).leaves[0].handle).to.equal("azure_sub");
    expect(computeMirror(aws([leaf("1", "Sub", null)]), { connection: template, handlePrefix: "" }).leaves[0].handle).to.equal("sub");
  });

  it("handles are truncated to 63 bytes and always valid", () => {
    expect(baseHandle("aws_", "x".repeat(200))).to.have.length(63);
    for (const name of ["123", "pg_catalog", "public", "ÄÖÜ", "---", "a__b", "x".repeat(300) + " y"]) {
      for (const prefix of ["", "aws_", "p"]) expect(handleProblem(baseHandle(prefix, name)), `${prefix}|${name}`).to.equal(undefined);
    }
  });

  it("collisions: the smallest cloud id keeps the handle, each other gets a suffix from its own id, whatever the node order", () => {
    const nodes = [leaf("333333333333", "Shared", null), leaf("111111111111", "shared", null), leaf("222222222222", "SHARED", null)];
    const m = computeMirror(aws(nodes), awsOptions);
    const handles = Object.fromEntries(m.leaves.map((l) => [l.cloudId, l.handle]));
    expect(handles).to.deep.equal({ "111111111111": "aws_shared", "222222222222": "aws_shared_222222", "333333333333": "aws_shared_333333" });
    expect(Object.fromEntries(computeMirror(aws([...nodes].reverse()), awsOptions).leaves.map((l) => [l.cloudId, l.handle]))).to.deep.equal(handles);
  });

  it("collision suffixes stay unique, valid and within 63 bytes (property)", () => {
    const ids = fc.stringMatching(/^[0-9a-z-]{1,14}$/);
    const names = fc.constantFrom("a", "A", "a 999999", "x".repeat(70), "b", "a_999999");
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(ids, names), { selector: ([id]) => id, maxLength: 30 }), (pairs) => {
        const wants = pairs.map(([cloudId, name]) => ({ cloudId, want: baseHandle("aws_", name) }));
        const handles = assignHandles(wants);
        const values = [...handles.values()];
        expect(new Set(values).size).to.equal(values.length);
        for (const h of values) expect(handleProblem(h), h).to.equal(undefined);
        const shuffled = assignHandles([...wants].reverse());
        expect(Object.fromEntries(shuffled)).to.deep.equal(Object.fromEntries(handles));
      }),
      { numRuns: 300 },
    );
  });

  it("excluded subtrees are left out", () => {
    const m = computeMirror(aws([folder("r", "Root"), folder("ou1", "A", "r"), folder("ou2", "B", "ou1"), leaf("1", "x", "ou2"), leaf("2", "y", "r")]), { ...awsOptions, exclude: ["ou1"] });
    expect(m.folders.map((f) => f.cloudId)).to.deep.equal(["r"]);
    expect(m.leaves.map((l) => l.cloudId)).to.deep.equal(["2"]);
  });

  it("a template producing an invalid config is a problem naming the leaf", () => {
    const m = computeMirror(aws([leaf("not-an-account", "a", null)]), awsOptions);
    expect(m.problems).to.have.length(1);
    expect(m.problems[0].nodeId).to.equal("not-an-account");
    expect(m.problems[0].problem).to.include("config.roleArn");
  });

  it("templates are checked with a sample leaf: Azure and GCP defaults need the user's credentials", () => {
    expect(templateProblem("aws", DEFAULT_CONNECTION_TEMPLATES.aws)).to.equal(undefined);
    expect(templateProblem("azure", DEFAULT_CONNECTION_TEMPLATES.azure)).to.include("config.clientSecret");
    expect(templateProblem("gcp", DEFAULT_CONNECTION_TEMPLATES.gcp)).to.include("config.credentials");
    const azure = { plugin: "azure", config: { ...DEFAULT_CONNECTION_TEMPLATES.azure.config, tenantId: "00000000-0000-4000-8000-000000000001", clientId: "00000000-0000-4000-8000-000000000002", clientSecret: "s" } };
    expect(templateProblem("azure", azure)).to.equal(undefined);
  });

  it("a deep chain of 20,000 nodes does not overflow", () => {
    const nodes: HierarchyNode[] = [folder("f0", "f")];
    for (let i = 1; i < 20_000; i++) nodes.push(folder(`f${i}`, "f", `f${i - 1}`));
    expect(computeMirror(aws(nodes), awsOptions).folders).to.have.length(20_000);
  });
});
