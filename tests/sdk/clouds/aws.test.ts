import { expect } from "chai";
import nock from "nock";
import { aws, CloudAccessError } from "../../../sdk";
import type { HierarchyNode } from "../../../contract/hierarchy";

const HOST = "https://organizations.us-east-1.amazonaws.com";
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const fast = { clientConfig: { credentials }, retry: { maxAttempts: 4, baseDelayMs: 1 } };

interface Ou { Id: string; Arn: string; Name: string }
interface Account { Id: string; Arn: string; Email: string; Name: string; Status: string; State?: string; JoinedMethod: string; JoinedTimestamp: number }

/** An organization five levels deep: Root › Workloads › Prod › Payments › EU, accounts on every level. */
function organization() {
  const ous = new Map<string, Ou[]>();
  const accounts = new Map<string, Account[]>();
  const ou = (parent: string, id: string, name: string) => ous.set(parent, [...(ous.get(parent) ?? []), { Id: id, Arn: `arn:aws:organizations::111111111111:ou/o-exampleorgid/${id}`, Name: name }]);
  let n = 0;
  const account = (parent: string, name: string, status = "ACTIVE") => {
    const id = String(200000000000 + n++);
    const a: Account = { Id: id, Arn: `arn:aws:organizations::111111111111:account/o-exampleorgid/${id}`, Email: `${name}@example.com`, Name: name, Status: status, JoinedMethod: "CREATED", JoinedTimestamp: 1_600_000_000 + n };
    if (status === "SUSPENDED") a.State = "CLOSED";
    accounts.set(parent, [...(accounts.get(parent) ?? []), a]);
  };
  ou("r-ab12", "ou-ab12-workload", "Workloads");
  ou("r-ab12", "ou-ab12-security", "Security");
  ou("r-ab12", "ou-ab12-sandbox", "Sandbox");
  ou("ou-ab12-workload", "ou-ab12-prod", "Prod");
  ou("ou-ab12-workload", "ou-ab12-dev", "Dev");
  ou("ou-ab12-prod", "ou-ab12-payments", "Payments");
  ou("ou-ab12-payments", "ou-ab12-payeu", "EU");
  account("r-ab12", "management");
  for (const name of ["log-archive", "audit"]) account("ou-ab12-security", name);
  for (let i = 0; i < 5; i++) account("ou-ab12-sandbox", `sandbox-${i}`);
  account("ou-ab12-sandbox", "old-sandbox", "SUSPENDED");
  for (const name of ["prod-web", "prod-data"]) account("ou-ab12-prod", name);
  for (const name of ["Prod Payments", "prod-payments"]) account("ou-ab12-payments", name);
  for (const name of ["payments-eu-1", "payments-eu-2", "payments-eu-3"]) account("ou-ab12-payeu", name);
  account("ou-ab12-dev", "dev-web");
  return { ous, accounts };
}

/** Serves Organizations' JSON 1.1 protocol, two items a page, and counts the calls. */
function serve(org = organization(), hooks: { first?: (target: string, parentId?: string) => [number, unknown] | undefined } = {}) {
  const calls: string[] = [];
  const page = <T>(items: T[], token: string | undefined) => {
    const start = token ? Number(token) : 0;
    const next = start + 2 < items.length ? String(start + 2) : undefined;
    return { items: items.slice(start, start + 2), next };
  };
  nock(HOST)
    .persist()
    .post("/")
    .reply(function (_uri, body) {
      const target = String(this.req.headers["x-amz-target"]).replace("AWSOrganizationsV20161128.", "");
      const req = (typeof body === "string" ? JSON.parse(body) : body) as { ParentId?: string; NextToken?: string };
      calls.push(`${target} ${req.ParentId ?? ""} ${req.NextToken ?? ""}`.trim());
      const hooked = hooks.first?.(target, req.ParentId);
      if (hooked) return [hooked[0], JSON.stringify(hooked[1]), { "content-type": "application/x-amz-json-1.1" }];
      let out: Record<string, unknown>;
      if (target === "ListRoots") out = { Roots: [{ Id: "r-ab12", Arn: "arn:aws:organizations::111111111111:root/o-exampleorgid/r-ab12", Name: "Root", PolicyTypes: [] }] };
      else if (target === "ListOrganizationalUnitsForParent") {
        const p = page(org.ous.get(req.ParentId!) ?? [], req.NextToken);
        out = { OrganizationalUnits: p.items, NextToken: p.next };
      } else if (target === "ListAccountsForParent") {
        const p = page(org.accounts.get(req.ParentId!) ?? [], req.NextToken);
        out = { Accounts: p.items, NextToken: p.next };
      } else return [400, JSON.stringify({ __type: "UnknownOperationException" }), {}];
      return [200, JSON.stringify(out), { "content-type": "application/x-amz-json-1.1" }];
    });
  return calls;
}

const byId = (nodes: HierarchyNode[]) => new Map(nodes.map((n) => [n.id, n]));

describe("sdk/clouds/aws", () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it("readOrganization reads every page of every level into a snapshot (SPEC §6.1)", async () => {
    const calls = serve();
    const snap = await aws.readOrganization(fast);
    expect(snap.cloud).to.equal("aws");
    const nodes = byId(snap.nodes);
    expect(snap.nodes.filter((n) => n.kind === "folder").map((n) => n.id).sort()).to.deep.equal(
      ["r-ab12", "ou-ab12-workload", "ou-ab12-security", "ou-ab12-sandbox", "ou-ab12-prod", "ou-ab12-dev", "ou-ab12-payments", "ou-ab12-payeu"].sort(),
    );
    expect(nodes.get("r-ab12")).to.include({ parentId: null, name: "Root" });
    expect(nodes.get("ou-ab12-payeu")).to.include({ parentId: "ou-ab12-payments", name: "EU", kind: "folder" });
    const leaves = snap.nodes.filter((n) => n.kind === "leaf");
    // 17 accounts, one of them suspended: left out by default.
    expect(leaves).to.have.length(16);
    expect(leaves.map((l) => l.name)).to.not.include("old-sandbox");
    const eu = leaves.filter((l) => l.parentId === "ou-ab12-payeu").map((l) => l.name);
    expect(eu).to.deep.equal(["payments-eu-1", "payments-eu-2", "payments-eu-3"]);
    const web = leaves.find((l) => l.name === "prod-web")!;
    expect(web.meta).to.include({ email: "prod-web@example.com", status: "ACTIVE", joinedMethod: "CREATED" });
    expect(web.meta!.joinedTimestamp).to.match(/^2020-09-13T\d\d:\d\d:\d\d\.000Z$/);
    // The sandbox OU holds six accounts: three pages.
    expect(calls.filter((c) => c.startsWith("ListAccountsForParent ou-ab12-sandbox"))).to.deep.equal([
      "ListAccountsForParent ou-ab12-sandbox",
      "ListAccountsForParent ou-ab12-sandbox 2",
      "ListAccountsForParent ou-ab12-sandbox 4",
    ]);
    expect(calls.filter((c) => c.startsWith("ListOrganizationalUnitsForParent r-ab12"))).to.have.length(2);
  });

  it("readOrganization keeps closed accounts with includeClosed", async () => {
    serve();
    const snap = await aws.readOrganization({ ...fast, includeClosed: true });
    const old = snap.nodes.find((n) => n.name === "old-sandbox")!;
    expect(old.meta).to.include({ status: "SUSPENDED", state: "CLOSED" });
  });

  it("readOrganization retries a throttled call and still reads everything", async () => {
    let throttled = 0;
    serve(organization(), {
      first: (target, parentId) => {
        if (target === "ListAccountsForParent" && parentId === "ou-ab12-payeu" && throttled < 2) {
          throttled++;
          return [400, { __type: "TooManyRequestsException", Message: "AWS Organizations can't complete your request because another request is already in progress." }];
        }
        return undefined;
      },
    });
    const started = Date.now();
    const snap = await aws.readOrganization(fast);
    expect(throttled).to.equal(2);
    expect(snap.nodes.filter((n) => n.parentId === "ou-ab12-payeu")).to.have.length(3);
    expect(Date.now() - started).to.be.below(5_000);
  });

  it("readOrganization turns access denied into an error naming the call and the permission", async () => {
    serve(organization(), {
      first: (target) =>
        target === "ListAccountsForParent"
          ? [400, { __type: "AccessDeniedException", Message: "You don't have permissions to access this resource." }]
          : undefined,
    });
    const err = await aws.readOrganization(fast).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(CloudAccessError);
    expect((err as CloudAccessError).permission).to.equal("organizations:ListAccountsForParent");
    expect((err as Error).message).to.contain("ListAccountsForParent was denied").and.contain("organizations:ListAccountsForParent").and.contain("management account");
  });
});
