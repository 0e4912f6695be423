import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { gcp, CloudAccessError } from "../../../sdk";

const API = "https://cloudresourcemanager.googleapis.com";
const ORG = "organizations/123456789012";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
/** A service account key as `gcloud iam service-accounts keys create` writes it (it signs its own JWTs). */
const credentials = {
  type: "service_account",
  project_id: "switchyard-reader",
  client_email: "reader@switchyard-reader.iam.gserviceaccount.com",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
};
const opts = { parent: ORG, clientOptions: { credentials }, retry: { initialDelayMs: 1, maxDelayMs: 5 } };

const folder = (id: string, displayName: string, parent: string) => ({ name: `folders/${id}`, parent, displayName, state: "ACTIVE", createTime: "2021-03-04T10:11:12.000Z", etag: "W/abc" });
const project = (projectId: string, n: number, parent: string, displayName = projectId, state = "ACTIVE") => ({
  name: `projects/${100000000000 + n}`,
  parent,
  projectId,
  state,
  displayName,
  createTime: "2022-01-02T03:04:05.000Z",
  labels: { env: "prod" },
});

/** An organization five levels deep: org › Workloads › Prod › Payments › EU. */
const FOLDERS: Record<string, ReturnType<typeof folder>[]> = {
  [ORG]: [folder("1000", "Workloads", ORG), folder("1001", "Shared", ORG), folder("1002", "Sandbox", ORG)],
  "folders/1000": [folder("2000", "Prod", "folders/1000"), folder("2001", "Dev", "folders/1000")],
  "folders/2000": [folder("3000", "Payments", "folders/2000")],
  "folders/3000": [folder("4000", "EU", "folders/3000")],
};
const PROJECTS: Record<string, ReturnType<typeof project>[]> = {
  [ORG]: [project("org-billing-export", 1, ORG)],
  "folders/1001": [project("shared-vpc-host", 2, "folders/1001"), project("shared-logging", 3, "folders/1001")],
  "folders/1002": [0, 1, 2, 3, 4].map((i) => project(`sandbox-${i}-a1b2`, 10 + i, "folders/1002")),
  "folders/2000": [project("prod-web-7f3a", 20, "folders/2000")],
  "folders/3000": [project("prod-payments-91c2", 30, "folders/3000", "Prod Payments"), project("prod-payments-4d7e", 31, "folders/3000", "prod-payments")],
  "folders/4000": [project("payments-eu-1", 40, "folders/4000"), project("payments-eu-2", 41, "folders/4000"), project("payments-eu-old", 42, "folders/4000", "payments-eu-old", "DELETE_REQUESTED")],
};

/** The service account's self-signed JWT, as Google's client libraries send it. */
function tokenIssuer(authorization: unknown): string {
  const jwt = String(authorization).replace(/^Bearer /, "");
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()).iss;
}

/** Serves Resource Manager v3 REST, two items a page with nextPageToken; `hook` may answer first. */
function serve(hook?: (path: string, parent: string) => [number, unknown] | undefined) {
  const calls: string[] = [];
  nock(API)
    .persist()
    .get(/.*/)
    .reply(function (uri) {
      const url = new URL(uri, API);
      const parent = url.searchParams.get("parent") ?? "";
      const token = url.searchParams.get("pageToken") ?? "";
      calls.push(`${url.pathname} ${parent} ${token}`.trim());
      expect(tokenIssuer(this.req.headers.authorization)).to.equal(credentials.client_email);
      const hooked = hook?.(url.pathname, parent);
      if (hooked) return hooked;
      if (url.pathname === `/v3/${ORG}`) return [200, { name: ORG, displayName: "example.com", directoryCustomerId: "C03xxxxx", state: "ACTIVE" }];
      const list = url.pathname === "/v3/folders" ? FOLDERS[parent] : url.pathname === "/v3/projects" ? PROJECTS[parent] : undefined;
      if (!list && !["/v3/folders", "/v3/projects"].includes(url.pathname)) return [404, { error: { code: 404, message: "not found", status: "NOT_FOUND" } }];
      const start = token ? Number(token) : 0;
      const items = (list ?? []).slice(start, start + 2);
      const next = start + 2 < (list ?? []).length ? String(start + 2) : undefined;
      return [200, { [url.pathname === "/v3/folders" ? "folders" : "projects"]: items, ...(next ? { nextPageToken: next } : {}) }];
    });
  return calls;
}

describe("sdk/clouds/gcp", () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it("readFolders reads the organization and every page of folders and projects below it (SPEC §6.1)", async () => {
    const calls = serve();
    const snap = await gcp.readFolders(opts);
    expect(snap.cloud).to.equal("gcp");
    expect(snap.nodes[0]).to.deep.include({ id: ORG, kind: "folder", name: "example.com", parentId: null });
    const folders = snap.nodes.filter((n) => n.kind === "folder").map((n) => `${n.id} < ${n.parentId}`);
    expect(folders.sort()).to.deep.equal(
      [`${ORG} < null`, `folders/1000 < ${ORG}`, `folders/1001 < ${ORG}`, `folders/1002 < ${ORG}`, "folders/2000 < folders/1000", "folders/2001 < folders/1000", "folders/3000 < folders/2000", "folders/4000 < folders/3000"].sort(),
    );
    const leaves = snap.nodes.filter((n) => n.kind === "leaf");
    // 14 projects, one of them being deleted: left out by default.
    expect(leaves).to.have.length(13);
    expect(leaves.map((l) => l.id)).to.not.include("payments-eu-old");
    const pay = leaves.find((l) => l.id === "prod-payments-91c2")!;
    expect(pay).to.deep.include({ name: "Prod Payments", parentId: "folders/3000" });
    expect(pay.meta).to.deep.equal({ projectNumber: "100000000030", state: "ACTIVE", labels: { env: "prod" } });
    expect(calls.filter((c) => c.startsWith(`/v3/projects folders/1002`))).to.deep.equal(["/v3/projects folders/1002", "/v3/projects folders/1002 2", "/v3/projects folders/1002 4"]);
  });

  it("readFolders keeps projects being deleted with includeClosed", async () => {
    serve();
    const snap = await gcp.readFolders({ ...opts, includeClosed: true });
    expect(snap.nodes.find((n) => n.id === "payments-eu-old")!.meta).to.include({ state: "DELETE_REQUESTED" });
  });

  it("readFolders can start at a folder", async () => {
    serve((path) => (path === "/v3/folders/2000" ? [200, folder("2000", "Prod", "folders/1000")] : undefined));
    const snap = await gcp.readFolders({ ...opts, parent: "folders/2000" });
    expect(snap.nodes[0]).to.deep.include({ id: "folders/2000", parentId: null, name: "Prod" });
    expect(snap.nodes.filter((n) => n.kind === "leaf").map((n) => n.id).sort()).to.deep.equal(["payments-eu-1", "payments-eu-2", "prod-payments-4d7e", "prod-payments-91c2", "prod-web-7f3a"]);
  });

  it("readFolders retries 429 RESOURCE_EXHAUSTED and still reads everything", async () => {
    let throttled = 0;
    serve((path, parent) => {
      if (path === "/v3/folders" && parent === "folders/3000" && throttled < 2) {
        throttled++;
        return [429, { error: { code: 429, message: "Quota exceeded for quota metric 'List requests'", status: "RESOURCE_EXHAUSTED" } }];
      }
      return undefined;
    });
    const snap = await gcp.readFolders(opts);
    expect(throttled).to.equal(2);
    expect(snap.nodes.find((n) => n.id === "folders/4000")).to.include({ parentId: "folders/3000" });
    expect(snap.nodes.filter((n) => n.parentId === "folders/4000")).to.have.length(2);
  });

  it("readFolders names the missing permission when listing folders is denied", async () => {
    serve((path) =>
      path === "/v3/folders"
        ? [403, { error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" } }]
        : undefined,
    );
    const err = await gcp.readFolders(opts).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(CloudAccessError);
    expect((err as Error).message).to.contain("folders.list was denied").and.contain("resourcemanager.folders.list").and.contain("roles/resourcemanager.folderViewer");
  });

  it("readFolders refuses a parent that is not an organization or a folder", async () => {
    const err = await gcp.readFolders({ parent: "projects/abc" }).then(() => null, (e: unknown) => e);
    expect((err as Error).message).to.contain('parent must be "organizations/<number>" or "folders/<number>"');
  });
});
