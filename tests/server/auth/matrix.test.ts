import { expect } from "chai";
import type { ScopeKind } from "../../../contract/ids";
import { describeEachDb, type TestApp } from "../../helpers/app";
import { makeTarget, PUBLIC_ROUTES, routeLabel, SCOPED_ROUTES, SHARING_ROUTE, UNSCOPED_ROUTES, type Target } from "../../helpers/routes";

/**
 * SPEC §1: every route × every role (viewer, editor, operator, owner, none) × own scope / sibling
 * scope / other tenant, generated from the route table in tests/helpers/routes.ts. What the caller
 * cannot see answers 404; what it can see but not do answers 403; without a token, 401.
 */
const ROLES = ["viewer", "editor", "operator", "owner"] as const;
const RANK = { viewer: 1, editor: 2, operator: 3, owner: 4 };
const CALLERS = [...ROLES, "none", "admin", "anonymous"] as const;
type Caller = (typeof CALLERS)[number];
const POSITIONS = ["own", "sibling", "otherTenant"] as const;
type Position = (typeof POSITIONS)[number];
const LEVELS: ScopeKind[] = ["tenant", "org", "workspace"];

interface World {
  /** The scopes per level: callers hold their role at `own`. */
  targets: Record<ScopeKind, Record<Position, Target>>;
  /** Tokens per level and caller. */
  tokens: Record<ScopeKind, Record<Caller, string | null>>;
  userIds: Record<ScopeKind, Record<Caller, string>>;
}

async function buildWorld(t: TestApp): Promise<World> {
  const tA = await t.tenant();
  const oA1 = await t.org(tA.id);
  const oA2 = await t.org(tA.id);
  const wA1a = await t.workspace(oA1.id);
  const wA1b = await t.workspace(oA1.id);
  const tB = await t.tenant();
  const oB1 = await t.org(tB.id);
  const wB1a = await t.workspace(oB1.id);
  const tC = await t.tenant();
  const bystander = (await t.user()).user;

  const target = (scope: { id: string; kind: ScopeKind }) => makeTarget(t, scope, bystander.id);
  const targets = {
    tenant: { own: await target(tA), sibling: await target(tC), otherTenant: await target(tB) },
    org: { own: await target(oA1), sibling: await target(oA2), otherTenant: await target(oB1) },
    workspace: { own: await target(wA1a), sibling: await target(wA1b), otherTenant: await target(wB1a) },
  };
  const adminId = (await t.expect(200, "GET", "/v1/me")).userId;
  const none = await t.user();
  const tokens = {} as World["tokens"];
  const userIds = {} as World["userIds"];
  for (const level of LEVELS) {
    tokens[level] = { admin: t.adminToken, anonymous: null, none: none.token } as Record<Caller, string | null>;
    userIds[level] = { admin: adminId, anonymous: "", none: none.user.id } as Record<Caller, string>;
    for (const role of ROLES) {
      const u = await t.user({ path: targets[level].own.path, role });
      tokens[level][role] = u.token;
      userIds[level][role] = u.user.id;
    }
  }
  return { targets, tokens, userIds };
}

function expected(caller: Caller, position: Position, needs: keyof typeof RANK, allowed: number): number {
  if (caller === "anonymous") return 401;
  if (caller === "admin") return allowed;
  if (caller === "none" || position !== "own") return 404;
  return RANK[caller] >= RANK[needs] ? allowed : 403;
}

describeEachDb("every route enforces the role rules (SPEC §1)", (ctx) => {
  let world: World;
  let n = 0;
  before(async function () {
    this.timeout(120_000);
    world = await buildWorld(ctx.t);
  });

  for (const route of SCOPED_ROUTES) {
    for (const level of route.levels) {
      it(`${routeLabel(route, level)} at ${level} scope needs ${route.needs}: 404 out of reach, 403 below the role`, async () => {
        const want: Record<string, Record<string, number>> = {};
        const got: Record<string, Record<string, number>> = {};
        for (const caller of CALLERS) {
          want[caller] = {};
          got[caller] = {};
          for (const position of POSITIONS) {
            const target = world.targets[level][position];
            const headers: Record<string, string> = route.staleIfMatch ? { "if-match": '"999999"' } : {};
            n += 1;
            const res = await ctx.t.call(route.method, route.url(target), { token: world.tokens[level][caller], body: route.body?.(target, n), headers });
            want[caller][position] = expected(caller, position, route.needs, route.allowed);
            got[caller][position] = res.status;
            if (res.status >= 400) expect(res.body.error, `${caller}/${position}: ${res.raw}`).to.include.keys("code", "message", "requestId");
          }
        }
        expect(got).to.deep.equal(want);
      });
    }
  }

  for (const route of UNSCOPED_ROUTES) {
    it(`${route.method} ${route.url} is open to ${route.needs === "any" ? "every authenticated caller" : route.needs === "admin" ? "platform administrators only (403 otherwise)" : "owners of some scope (403 otherwise)"}`, async () => {
      const want: Record<string, number> = {};
      const got: Record<string, number> = {};
      for (const caller of CALLERS) {
        n += 1;
        const self = { userId: world.userIds.org[caller] };
        const res = await ctx.t.call(route.method, route.url, { token: world.tokens.org[caller], body: route.body?.(self, n) });
        got[caller] = res.status;
        const may = route.needs === "any" || caller === "admin" || (route.needs === "owner-somewhere" && caller === "owner");
        want[caller] = caller === "anonymous" ? 401 : may ? route.allowed : 403;
      }
      expect(got).to.deep.equal(want);
    });
  }

  it("a role at a scope applies below it: a tenant-level role acts in every org and workspace of the tenant", async () => {
    const workspace = world.targets.workspace.own;
    const org = world.targets.org.sibling;
    for (const route of SCOPED_ROUTES.filter((r) => r.levels.includes("workspace") && r.levels.includes("org"))) {
      for (const role of ROLES) {
        for (const target of [workspace, org]) {
          const headers: Record<string, string> = route.staleIfMatch ? { "if-match": '"999999"' } : {};
          n += 1;
          const res = await ctx.t.call(route.method, route.url(target), { token: world.tokens.tenant[role], body: route.body?.(target, n), headers });
          expect(res.status, `${role} of the tenant: ${route.method} ${route.url(target)}: ${res.raw}`).to.equal(expected(role, "own", route.needs, route.allowed));
        }
      }
    }
  });

  it("a role does not apply above its scope: a workspace owner cannot reach its organization's connections or members", async () => {
    const org = world.targets.org.own;
    const token = world.tokens.workspace.owner;
    for (const url of [`/v1/${org.path}/connections`, `/v1/${org.path}/members`, `/v1/${org.path}/audit`, `/v1/connections/${org.connection.id}`]) {
      expect((await ctx.t.get(url, { token })).status, url).to.equal(404);
    }
    expect((await ctx.t.post(`/v1/${org.path}/connections`, { plugin: "custom", config: {} }, { token })).status).to.equal(404);
  });

  it("the route table covers every route the service registers", async () => {
    const doc = await ctx.t.expect(200, "GET", "/openapi.json");
    const covered = new Set([...SCOPED_ROUTES, ...UNSCOPED_ROUTES].map((r) => `${r.method} ${r.openapi}`).concat(PUBLIC_ROUTES));
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (!covered.has(key) && !SHARING_ROUTE.test(path)) missing.push(key);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
