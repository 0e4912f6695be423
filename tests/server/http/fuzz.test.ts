import { expect } from "chai";
import fc from "fast-check";
import type { ScopeKind } from "../../../contract/ids";
import { describeEachDb, type ApiResponse, type TestApp } from "../../helpers/app";
import { makeTarget, routeLabel, SCOPED_ROUTES, UNSCOPED_ROUTES, type Target } from "../../helpers/routes";
import { tableNames } from "../../helpers/snapshot";

/**
 * SPEC §7.2: bad input is a 4xx naming the field, never a 500, and nothing a client sends can
 * corrupt data. fast-check throws random and malformed bodies, ids, query strings and headers at
 * every route of the table in tests/helpers/routes.ts; every refused request must leave the
 * database exactly as it was (one hash over every row of every table, before and after).
 */
const RUNS = 40;

/** One hash of every row of every table: equal before and after means nothing was stored. */
async function databaseHash(t: TestApp, tables: string[]): Promise<string> {
  const union = tables.map((name) => `SELECT '${name}:' || t::text AS x FROM "${name}" t`).join(" UNION ALL ");
  const { rows } = await t.db.query<{ h: string }>(`SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS h FROM (${union}) all_rows`);
  return rows[0].h;
}

function expectEnvelope(res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${res.raw.slice(0, 500)}`).to.be.within(400, 499);
  expect(res.body?.error, `${what}: ${res.raw.slice(0, 500)}`).to.be.an("object");
  expect(res.body.error.code, what).to.be.a("string");
  expect(res.body.error.message, what).to.be.a("string");
  expect(res.body.error.requestId, what).to.equal(res.headers["x-request-id"]);
  if (res.body.error.code === "validation_failed") {
    for (const d of res.body.error.details ?? []) expect(d.field, `${what}: ${res.raw.slice(0, 500)}`).to.match(/^(body|params|querystring|headers)\b/);
  }
}

const junkText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", " ", "null", "undefined", "NaN", "-1", "0", "1e309", "%", "%00", "%ZZ", "..", "../..", "'; DROP TABLE scopes; --", "<script>", "\u0000", "tnt_", "conn_aaaaaaaaaaaaaaaaaaaa", "x".repeat(5000)),
);
/** Anything where an id goes: ids of other kinds or other objects, and junk. */
const junkId = fc.oneof(junkText, fc.constantFrom("tnt_aaaaaaaaaaaaaaaaaaaa", "org_aaaaaaaaaaaaaaaaaaaa", "ws_aaaaaaaaaaaaaaaaaaaa", "usr_aaaaaaaaaaaaaaaaaaaa", "tok_aaaaaaaaaaaaaaaaaaaa", "fld_aaaaaaaaaaaaaaaaaaaa", "int_aaaaaaaaaaaaaaaaaaaa"));
const junkJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(null, [], {}, 0, "", true, -1, 1.5, 2 ** 53, "x".repeat(20_000)));
const junkQuery = fc.array(fc.tuple(fc.constantFrom("limit", "cursor", "dryRun", "confirm", "plugin", "folderId", "action", "allowMassDelete", "junk", "__proto__"), fc.oneof(junkText, fc.integer().map(String))), { maxLength: 4 });

/** A valid body with one field made wrong, an unknown field added, or replaced by junk. */
function junkBody(valid: unknown) {
  const base = (valid ?? {}) as Record<string, unknown>;
  const keys = Object.keys(base);
  return fc.oneof(
    junkJson,
    fc.dictionary(junkText, junkJson, { maxKeys: 4 }),
    junkJson.map((v) => ({ ...base, unknownField: v })),
    keys.length ? fc.tuple(fc.constantFrom(...keys), junkJson).map(([k, v]) => ({ ...base, [k]: v, extra: 1 })) : junkJson,
    keys.length ? fc.tuple(fc.constantFrom(...keys), junkJson).map(([k, v]) => ({ ...base, [k]: v })) : junkJson,
  );
}

interface FuzzRequest {
  url: string;
  body?: unknown;
  headers: Record<string, string>;
}

function withQuery(url: string, pairs: [string, string][]): string {
  if (!pairs.length) return url;
  const q = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return url + (url.includes("?") ? "&" : "?") + q;
}

const junkHeaders = fc.record(
  { "if-match": fc.oneof(junkText, fc.constantFrom('"1"', "*", 'W/"2"')), "idempotency-key": junkText },
  { requiredKeys: [] },
).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\x20-\x7e]*$/.test(v as string))) as Record<string, string>);

describeEachDb("fuzzing every route: no 500, nothing stored (SPEC §7.2)", (ctx) => {
  let targets: Record<ScopeKind, Target>;
  let tables: string[];
  let selfId: string;
  before(async () => {
    const t = ctx.t;
    const h = await t.hierarchy();
    const bystander = (await t.user()).user;
    targets = { tenant: await makeTarget(t, h.tenant, bystander.id), org: await makeTarget(t, h.org, bystander.id), workspace: await makeTarget(t, h.ws, bystander.id) };
    tables = await tableNames(t.db);
    selfId = (await t.expect(200, "GET", "/v1/me")).userId;
  });

  /** Runs one fuzzed request: never a 5xx; a refusal is an envelope and leaves every row as it was. */
  async function check(method: string, req: FuzzRequest) {
    const before = await databaseHash(ctx.t, tables);
    const res = await ctx.t.call(method, req.url, { body: req.body, headers: req.headers });
    const what = `${method} ${req.url.slice(0, 200)} ${JSON.stringify(req.body)?.slice(0, 200)} ${JSON.stringify(req.headers)}`;
    expect(res.status, `${what}: ${res.raw.slice(0, 500)}`).to.be.below(500);
    if (res.status >= 400) {
      expectEnvelope(res, what);
      expect(await databaseHash(ctx.t, tables), `${what} -> ${res.status} changed the database`).to.equal(before);
    }
  }

  for (const route of SCOPED_ROUTES) {
    const level = route.levels.includes("org") ? "org" : route.levels[0];
    it(`${routeLabel(route, level)}: random ids, bodies, query strings and headers`, async () => {
      const target = targets[level];
      const validBody = route.body?.(target, 0);
      const arb = fc.record({
        // a real id most of the time, so that requests get past routing to the body and query
        id: fc.option(junkId, { freq: 2 }),
        conn: fc.option(junkId, { freq: 2 }),
        body: route.body ? junkBody(validBody) : fc.option(junkJson),
        query: junkQuery,
        headers: junkHeaders,
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ id, conn, body, query, headers }) => {
          const t: Target = {
            ...target,
            scope: { ...target.scope, id: id === null ? target.scope.id : encodeURIComponent(id) },
            path: id === null ? target.path : `${target.path.split("/")[0]}/${encodeURIComponent(id)}`,
            connection: { ...target.connection, id: conn === null ? target.connection.id : encodeURIComponent(conn) },
            memberId: conn === null ? target.memberId : encodeURIComponent(conn),
            serviceTokenId: conn === null ? target.serviceTokenId : encodeURIComponent(conn),
            integration: target.integration && { ...target.integration, id: conn === null ? target.integration.id : encodeURIComponent(conn) },
          };
          await check(route.method, { url: withQuery(route.url(t), query), body: body ?? undefined, headers });
        }),
        { numRuns: RUNS },
      );
    });
  }

  for (const route of UNSCOPED_ROUTES) {
    it(`${route.method} ${route.url}: random bodies, query strings and headers`, async () => {
      const validBody = route.body?.({ userId: selfId }, 0);
      const arb = fc.record({ body: route.body ? junkBody(validBody) : fc.option(junkJson), query: junkQuery, headers: junkHeaders });
      await fc.assert(
        fc.asyncProperty(arb, async ({ body, query, headers }) => check(route.method, { url: withQuery(route.url, query), body: body ?? undefined, headers })),
        { numRuns: RUNS },
      );
    });
  }

  it("raw non-JSON bodies, wrong content types, empty and huge bodies are refused by every route that takes a body", async () => {
    const huge = JSON.stringify({ plugin: "custom", config: { blob: "x".repeat(1_100_000) } });
    const deep = `{"plugin":"custom","config":{"a":${"[".repeat(3000)}${"]".repeat(3000)}}}`;
    const cases: { payload: string; type?: string; status?: number }[] = [
      { payload: "{not json", type: "application/json" },
      { payload: '{"a":1', type: "application/json" },
      { payload: "", type: "application/json" },
      { payload: "hello", type: "text/plain" },
      { payload: "<a>1</a>", type: "application/xml" },
      { payload: "a=1&b=2", type: "application/x-www-form-urlencoded" },
      { payload: "--x\r\n\r\n--x--", type: "multipart/form-data; boundary=x" },
      { payload: deep, type: "application/json" },
      { payload: huge, type: "application/json", status: 413 },
    ];
    for (const route of [...SCOPED_ROUTES, ...UNSCOPED_ROUTES.map((r) => ({ ...r, levels: ["org" as ScopeKind], url: () => r.url }))]) {
      if (!route.body) continue;
      const url = typeof route.url === "function" ? route.url(targets[route.levels.includes("org") ? "org" : route.levels[0]]) : route.url;
      for (const c of cases) {
        const before = await databaseHash(ctx.t, tables);
        // a sync takes snapshots of up to 32 MiB: its huge body is bigger
        const payload = c.status === 413 && url.includes("/sync") ? JSON.stringify({ cloud: "aws", nodes: [], blob: "x".repeat(33 * 1024 * 1024) }) : c.payload;
        const res = await ctx.t.call(route.method, url, { rawBody: payload, headers: c.type ? { "content-type": c.type } : {} });
        const what = `${route.method} ${url} with ${c.type} ${c.payload.slice(0, 30)}`;
        if (c.payload === deep && url.endsWith("/test")) {
          // well-formed JSON: `test` answers its verdict, a failed check
          expect(res.status, what).to.equal(200);
          expect(res.body.ok, what).to.equal(false);
        } else {
          expectEnvelope(res, what);
        }
        if (c.status) expect(res.status, what).to.equal(c.status);
        expect(await databaseHash(ctx.t, tables), what).to.equal(before);
      }
    }
  });

  it("overlong and oddly encoded paths answer 4xx in the envelope", async () => {
    for (const url of [`/v1/connections/${"a".repeat(3000)}`, "/v1/tenants/%E0%A4%A", "/v1/%00/x", "/v1/orgs//children", "/v1/connections/conn_aaaaaaaaaaaaaaaaaaaa/test/extra"]) {
      const res = await ctx.t.get(url);
      expectEnvelope(res, url);
    }
  });
});
