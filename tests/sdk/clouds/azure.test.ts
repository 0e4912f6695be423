import { expect } from "chai";
import nock from "nock";
import { azure, CloudAccessError } from "../../../sdk";

const ARM = "https://management.azure.com";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GROUP = "Microsoft.Management/managementGroups";
const credential = { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const opts = { rootGroupId: TENANT, credential, clientOptions: { retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } } };

const mg = (name: string, displayName: string, parent: string) => ({
  id: `/providers/${GROUP}/${name}`,
  type: GROUP,
  name,
  properties: { displayName, parent: { id: `/providers/${GROUP}/${parent}` } },
});
const sub = (guid: string, displayName: string, parent: string) => ({
  id: `/subscriptions/${guid}`,
  type: "/subscriptions",
  name: guid,
  properties: { displayName, parent: { id: `/providers/${GROUP}/${parent}` } },
});
const guid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

/** A tenant five levels deep (root › platform › landing-zones › corp › corp-eu), in three pages. */
const PAGES = [
  [mg("mg-platform", "Platform", TENANT), mg("mg-landing", "Landing Zones", "mg-platform"), sub(guid(1), "Connectivity", "mg-platform")],
  // Children listed before their parent: the reader must not depend on the order.
  [sub(guid(2), "corp-eu-1", "mg-corp-eu"), mg("mg-corp-eu", "Corp EU", "mg-corp"), mg("mg-corp", "Corp", "mg-landing")],
  [sub(guid(3), "Prod Payments", "mg-corp"), sub(guid(4), "prod-payments", "mg-corp"), sub(guid(5), "Sandbox", TENANT)],
];

function serveRoot() {
  return nock(ARM)
    .get(`/providers/${GROUP}/${TENANT}`)
    .query({ "api-version": "2021-04-01" })
    .reply(200, { id: `/providers/${GROUP}/${TENANT}`, type: GROUP, name: TENANT, properties: { tenantId: TENANT, displayName: "Tenant Root Group", details: { version: 3 } } });
}

function serveDescendants(first?: () => nock.Interceptor | void) {
  const scope = nock(ARM);
  const path = `/providers/${GROUP}/${TENANT}/descendants`;
  first?.();
  PAGES.forEach((value, i) => {
    const query: Record<string, string> = { "api-version": "2021-04-01" };
    if (i > 0) query.$skiptoken = `page${i}`;
    const nextLink = i + 1 < PAGES.length ? `${ARM}${path}?api-version=2021-04-01&$skiptoken=page${i + 1}` : undefined;
    scope.get(path).query(query).reply(200, { value, nextLink });
  });
  return scope;
}

describe("sdk/clouds/azure", () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it("readManagementGroups reads the root and every page of its descendants (SPEC §6.1)", async () => {
    serveRoot();
    const scope = serveDescendants();
    const snap = await azure.readManagementGroups(opts);
    expect(scope.isDone()).to.equal(true);
    expect(snap.cloud).to.equal("azure");
    expect(snap.nodes[0]).to.deep.include({ id: TENANT, kind: "folder", name: "Tenant Root Group", parentId: null });
    const pos = new Map(snap.nodes.map((n, i) => [n.id, i]));
    for (const n of snap.nodes) if (n.parentId) expect(pos.get(n.parentId), `${n.id} after its parent`).to.be.below(pos.get(n.id)!);
    const shape = snap.nodes.map((n) => `${n.kind} ${n.id} < ${n.parentId}`).sort();
    expect(shape).to.deep.equal(
      [
        `folder ${TENANT} < null`,
        `folder mg-platform < ${TENANT}`,
        "folder mg-landing < mg-platform",
        "folder mg-corp < mg-landing",
        "folder mg-corp-eu < mg-corp",
        `leaf ${guid(1)} < mg-platform`,
        `leaf ${guid(2)} < mg-corp-eu`,
        `leaf ${guid(3)} < mg-corp`,
        `leaf ${guid(4)} < mg-corp`,
        `leaf ${guid(5)} < ${TENANT}`,
      ].sort(),
    );
    expect(snap.nodes.find((n) => n.id === guid(3))!.name).to.equal("Prod Payments");
  });

  it("readManagementGroups waits out a 429 with Retry-After and carries on", async () => {
    serveRoot();
    const path = `/providers/${GROUP}/${TENANT}/descendants`;
    const scope = serveDescendants(() => {
      nock(ARM).get(path).query({ "api-version": "2021-04-01", $skiptoken: "page1" }).reply(429, { error: { code: "TooManyRequests", message: "Too many requests" } }, { "retry-after": "0" });
    });
    const snap = await azure.readManagementGroups(opts);
    expect(scope.isDone()).to.equal(true);
    expect(snap.nodes).to.have.length(10);
  });

  it("readManagementGroups names the missing permission when the descendants are forbidden", async () => {
    serveRoot();
    nock(ARM)
      .get(`/providers/${GROUP}/${TENANT}/descendants`)
      .query(true)
      .reply(403, {
        error: {
          code: "AuthorizationFailed",
          message: `The client 'x' does not have authorization to perform action 'Microsoft.Management/managementGroups/descendants/read' over scope '/providers/${GROUP}/${TENANT}'.`,
        },
      });
    const err = await azure.readManagementGroups(opts).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(CloudAccessError);
    expect((err as Error).message).to.contain("getDescendants was denied").and.contain("Microsoft.Management/managementGroups/descendants/read").and.contain("Management Group Reader");
  });

  it("readManagementGroups refuses to start without a root group", async () => {
    const err = await azure.readManagementGroups({ rootGroupId: "" }).then(() => null, (e: unknown) => e);
    expect((err as Error).message).to.contain("rootGroupId is required");
  });
});
