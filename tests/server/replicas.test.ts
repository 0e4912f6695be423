import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { HANDLE_PATTERN, RESERVED_HANDLES } from "../../contract/handles";
import { createAuthService } from "../../server/auth/service";
import type { Db } from "../../server/db/db";
import { createScopeService } from "../../server/scopes/service";
import { freshDatabase, postgresReachable, type TestDatabase } from "../helpers/databases";
import { SharingModel, type MSchema } from "../helpers/sharing-model";
import { prng } from "../helpers/prng";
import { inProcessReplicas, processReplicas, tallied, type Replica } from "../helpers/replicas";

/**
 * SPEC §7.2: "any number of replicas may run against one PostgreSQL, and every rule above holds
 * under concurrent requests to different replicas". Three replicas (each its own pool, one secret
 * key) take waves of concurrent mixed requests, each to a random replica; then every rule is
 * checked in the database and through the API, and the audit log is replayed through the
 * reference model (tests/helpers/sharing-model.ts) in commit order, which the tenant's sharing
 * lock makes the order of the audit records. The seed fixes what is sent (the interleaving is
 * up to the replicas); reproduce a run with SWITCHYARD_REPLICA_SEED=<seed>
 * (SWITCHYARD_REPLICA_LOG=1 shows the replicas' error log lines).
 */

const SEED = process.env.SWITCHYARD_REPLICA_SEED ? Number(process.env.SWITCHYARD_REPLICA_SEED) : Math.floor(Math.random() * 2 ** 31);
/** SWITCHYARD_REPLICA_WAVES and SWITCHYARD_REPLICA_PROCESSES=1 (real server processes over HTTP): see `npm run proof:replicas`. */
const WAVES = Number(process.env.SWITCHYARD_REPLICA_WAVES || 20);
const PROCESSES = process.env.SWITCHYARD_REPLICA_PROCESSES === "1";
const PER_WAVE = 70;
const REPLICAS = 3;
/** Few names, so that creates collide in a scope and connections of different scopes meet in a workspace. */
const HANDLES = ["alpha", "beta", "gamma", "delta"];
const TITLES = ["Main DB", "Sales", "Warehouse"];
const NAMES = [...HANDLES, "main_db", "sales", "warehouse", "main_db_2", "sales_2"];

interface Planned {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  url: string;
  body?: unknown;
  token: string;
  ifMatch?: string;
  idemKey?: string;
  /** The object a PATCH updates. */
  target?: string;
  /** Opposite moves sent together: the id of the pair. */
  pair?: number;
  /** Which replica answers (random when not given). */
  replica?: number;
  wave?: number;
}

interface Sent extends Planned {
  rid: string;
  replica: number;
  status: number;
  res: any;
  etag?: string;
}

interface Snapshot {
  folders: { id: string; scope_id: string; parent_id: string | null; handle: string | null; version: number }[];
  connections: { id: string; scope_id: string; folder_id: string | null; handle: string; version: number }[];
  grants: { id: string; object_id: string; grantee_id: string }[];
  attachments: { id: string; workspace_id: string; object_id: string; connection_id: string | null; folder_id: string | null; seq: number }[];
}

async function snapshot(db: Db): Promise<Snapshot> {
  const q = async <R>(sql: string) => (await db.query<R>(sql)).rows;
  return {
    folders: await q("SELECT id, scope_id, parent_id, handle, version FROM folders ORDER BY id"),
    connections: await q("SELECT id, scope_id, folder_id, handle, version FROM connections ORDER BY id"),
    grants: await q("SELECT id, coalesce(connection_id, folder_id) AS object_id, grantee_id FROM grants ORDER BY id"),
    attachments: await q("SELECT id, workspace_id, coalesce(connection_id, folder_id) AS object_id, connection_id, folder_id, seq FROM attachments ORDER BY seq"),
  };
}

/** The reference model of the tenant, empty or holding a snapshot (attachments in their order, all arrived at once). */
function modelOf(h: { tenant: string; org: string; ws: string[] }, s?: Snapshot): SharingModel {
  const m = new SharingModel();
  m.scopes.set(h.tenant, { id: h.tenant, kind: "tenant", path: [h.tenant] });
  m.scopes.set(h.org, { id: h.org, kind: "org", path: [h.tenant, h.org] });
  for (const w of h.ws) m.scopes.set(w, { id: w, kind: "workspace", path: [h.tenant, h.org, w] });
  if (!s) return m;
  for (const f of s.folders) m.folders.set(f.id, { id: f.id, scope: f.scope_id, parent: f.parent_id });
  for (const c of s.connections) m.connections.set(c.id, { id: c.id, scope: c.scope_id, folder: c.folder_id, handle: c.handle });
  for (const g of s.grants) m.grants.set(g.id, { id: g.id, object: g.object_id, grantee: g.grantee_id });
  for (const a of s.attachments) m.addAttachment(a.id, a.workspace_id, a.object_id);
  m.commit();
  return m;
}

const plain = (s: Partial<MSchema>) => ({ name: s.name, state: s.state, connectionId: s.connectionId, folderId: s.folderId ?? null, attachmentId: s.attachmentId ?? null, conflictsWith: s.conflictsWith ?? null });

describe(`three replicas on one PostgreSQL under a storm of concurrent requests (SPEC §7.2; seed ${SEED})`, function () {
  this.timeout(Math.max(120_000, WAVES * 10_000));
  let database: TestDatabase | undefined;
  let apps: Replica[] = [];
  let report: ReturnType<typeof tallied> | undefined;
  let stormMs = 0;
  const sent: Sent[] = [];
  const groups = new Map<string, Sent[]>();
  const pairs = new Map<number, Sent[]>();
  let db: Db;
  let h: { tenant: string; org: string; ws: string[] };
  let rnd: () => number;
  let counter = 0;
  const chainFolders = new Set<string>();
  /** Shared folders that every workspace attached, kept (with their grants and attachments) so that names meet. */
  const anchors = new Set<string>();
  const chainRoots: string[] = [];
  let tokens: { admin: string; tenantOperator: string; orgOperator: string; viewer: string };

  const chance = (p: number) => rnd() < p;
  const pick = <T>(items: readonly T[]): T | undefined => (items.length ? items[Math.floor(rnd() * items.length)] : undefined);

  async function send(p: Planned): Promise<Sent> {
    const rid = `r${SEED}-${++counter}`;
    const replica = p.replica ?? Math.floor(rnd() * REPLICAS);
    const headers: Record<string, string> = { authorization: `Bearer ${p.token}`, "x-request-id": rid };
    if (p.body !== undefined) headers["content-type"] = "application/json";
    if (p.ifMatch !== undefined) headers["if-match"] = p.ifMatch;
    if (p.idemKey !== undefined) headers["idempotency-key"] = p.idemKey;
    const r = await apps[replica].inject({ method: p.method, url: p.url, headers, payload: p.body === undefined ? undefined : JSON.stringify(p.body) });
    let res: unknown = undefined;
    try {
      res = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      res = r.body;
    }
    const s: Sent = { ...p, rid, replica, status: r.statusCode, res, etag: r.headers.etag as string | undefined };
    sent.push(s);
    if (p.idemKey) groups.set(p.idemKey, [...(groups.get(p.idemKey) ?? []), s]);
    if (p.pair !== undefined) pairs.set(p.pair, [...(pairs.get(p.pair) ?? []), s]);
    return s;
  }

  async function must(status: number, p: Planned) {
    const s = await send(p);
    if (s.status !== status) throw new Error(`setup ${p.method} ${p.url}: expected ${status}, got ${s.status}: ${JSON.stringify(s.res)}`);
    return s.res;
  }

  before(async function () {
    if (process.env.SWITCHYARD_TEST_DB === "pglite") this.skip();
    if (!(await postgresReachable())) {
      if (process.env.CI) throw new Error("PostgreSQL is not reachable; CI requires it (see README)");
      this.skip();
    }
    rnd = prng(SEED);
    database = await freshDatabase("postgres");
    db = database.db;
    const key = randomBytes(32);
    const admin = `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
    await createAuthService(db, createScopeService(db)).bootstrap(admin);
    report = tallied(PROCESSES ? await processReplicas(database.url as string, REPLICAS, key, admin) : await inProcessReplicas(database.url as string, REPLICAS, key));
    apps = report.replicas;

    // One tenant, one org, three workspaces; a tenant operator, an org operator and a workspace viewer.
    const tenant = await must(201, { method: "POST", url: "/v1/tenants", body: { handle: "acme" }, token: admin });
    const org = await must(201, { method: "POST", url: `/v1/tenants/${tenant.id}/orgs`, body: { handle: "data" }, token: admin });
    const ws: string[] = [];
    for (const handle of ["w1", "w2", "w3"]) ws.push((await must(201, { method: "POST", url: `/v1/orgs/${org.id}/workspaces`, body: { handle }, token: admin })).id);
    h = { tenant: tenant.id, org: org.id, ws };
    const person = async (handle: string, scope: string, role: string) => {
      const user = await must(201, { method: "POST", url: "/v1/users", body: { handle }, token: admin });
      await must(200, { method: "PUT", url: `/v1/${scope}/members/${user.id}`, body: { role }, token: admin });
      return (await must(201, { method: "POST", url: "/v1/tokens", body: { userId: user.id, name: handle }, token: admin })).token as string;
    };
    const tenantOperator = await person("tenant_op", `tenants/${tenant.id}`, "operator");
    const orgOperator = await person("org_op", `orgs/${org.id}`, "operator");
    const viewer = await person("ws_viewer", `workspaces/${ws[0]}`, "viewer");
    tokens = { admin, tenantOperator, orgOperator, viewer };

    // Three chains of 11 folders in the tenant, so that moves meet the depth bound (32).
    for (let c = 0; c < 3; c++) {
      let parentId: string | null = null;
      for (let d = 0; d < 11; d++) {
        parentId = (await must(201, { method: "POST", url: `/v1/tenants/${tenant.id}/folders`, body: { title: `chain ${c}.${d}`, parentId }, token: admin })).id as string;
        chainFolders.add(parentId);
        if (d === 0) chainRoots.push(parentId);
      }
    }

    // A folder of the tenant and one of the org, shared with and attached to every workspace.
    for (const [scope, grantee] of [[`tenants/${tenant.id}`, tenant.id], [`orgs/${org.id}`, org.id]]) {
      const f = await must(201, { method: "POST", url: `/v1/${scope}/folders`, body: { title: `shared by ${scope}` }, token: admin });
      anchors.add(f.id);
      anchors.add((await must(201, { method: "POST", url: "/v1/grants", body: { objectId: f.id, granteeId: grantee }, token: admin })).id);
      for (const w of ws) anchors.add((await must(201, { method: "POST", url: `/v1/workspaces/${w}/attachments`, body: { objectId: f.id }, token: admin })).id);
      await must(201, { method: "POST", url: `/v1/${scope}/connections`, body: { plugin: "custom", config: {}, handle: scope.startsWith("tenants") ? "alpha" : "beta", folderId: f.id }, token: admin });
    }

    const t = performance.now();
    await storm();
    stormMs = performance.now() - t;
  });

  after(async () => {
    report?.write({ seed: SEED, waves: WAVES, processes: PROCESSES, requests: sent.length, stormMs });
    for (const app of apps) await app.close();
    await database?.drop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(`    replicas: rerun with SWITCHYARD_REPLICA_SEED=${SEED}`);
  });

  const SCOPE_URL = (id: string) => (id === h.tenant ? `tenants/${id}` : id === h.org ? `orgs/${id}` : `workspaces/${id}`);

  /** Waves of concurrent mixed requests, each planned from the state the previous wave left. */
  async function storm() {
    let pairId = 0;
    const owners = () => (chance(0.5) ? h.tenant : chance(0.7) ? h.org : h.ws[0]);
    const actor = () => (chance(0.7) ? tokens.tenantOperator : chance(0.5) ? tokens.orgOperator : chance(0.7) ? tokens.admin : tokens.viewer);
    const version = (v: number) => {
      const roll = rnd();
      return roll < 0.6 ? `"${v}"` : roll < 0.75 ? `"${Math.max(1, v - 1)}"` : undefined;
    };
    const keys: { key: string; planned: Planned }[] = [];

    for (let wave = 0; wave < WAVES; wave++) {
      const s = await snapshot(db);
      const folders = s.folders;
      // the chains are moved only as whole chains, under one another (the depth bound); the
      // shared folders stay where they are
      const loose = folders.filter((f) => !chainFolders.has(f.id) && !anchors.has(f.id));
      const inScope = (scope: string) => folders.filter((f) => f.scope_id === scope);
      const children = new Map<string, string[]>();
      for (const f of folders) if (f.parent_id) children.set(f.parent_id, [...(children.get(f.parent_id) ?? []), f.id]);
      const height = (id: string): number => 1 + Math.max(0, ...(children.get(id) ?? []).map(height));
      const deepest = (id: string): string => {
        const below = (children.get(id) ?? []).filter((f) => chainFolders.has(f));
        return below.length ? deepest(below.reduce((x, y) => (height(y) > height(x) ? y : x))) : id;
      };
      // What is available where, to aim most attaches at what may succeed.
      const m = modelOf(h, s);
      const objects = [...folders.map((f) => f.id), ...s.connections.map((c) => c.id)];

      // who holds each name now (the model above only knows which connections are schemas)
      const current = new Map<string, MSchema[]>();
      for (const ws of h.ws) {
        const r = await apps[0].inject({ method: "GET", url: `/v1/workspaces/${ws}/schemas?limit=500`, headers: { authorization: `Bearer ${tokens.admin}` } });
        current.set(ws, JSON.parse(r.body).items);
      }
      const plans: Planned[] = [];
      let depended: Snapshot["grants"] | undefined;
      // Folder growth aimed at a collision: a connection named like a schema of a workspace
      // that a connection of another scope holds, created in or moved into a folder it sees.
      const grow = () => {
        const ws = pick(h.ws) as string;
        const seen = [...m.attachments.values()].filter((a) => a.ws === ws && m.folders.has(a.object)).flatMap((a) => m.below(a.object).folders);
        const holders = (current.get(ws) ?? []).filter((x) => x.state !== "conflict");
        const options = seen.flatMap((f) => holders.filter((x) => m.connections.get(x.connectionId)?.scope !== m.folders.get(f)?.scope).map((x) => ({ folder: f, scope: m.folders.get(f)?.scope as string, handle: x.name })));
        const o = pick(options);
        if (!o) return;
        const existing = s.connections.find((c) => c.scope_id === o.scope && c.handle === o.handle);
        if (existing) plans.push({ method: "PATCH", url: `/v1/connections/${existing.id}`, body: { folderId: o.folder }, token: tokens.tenantOperator, target: existing.id });
        else plans.push({ method: "POST", url: `/v1/${SCOPE_URL(o.scope)}/connections`, body: { plugin: "custom", config: {}, handle: o.handle, folderId: o.folder }, token: tokens.tenantOperator });
      };
      const ops: [number, () => void][] = [
        [7, () => {
          const scope = owners();
          const parent = chance(0.6) ? pick(inScope(scope)) : undefined;
          plans.push({ method: "POST", url: `/v1/${SCOPE_URL(scope)}/folders`, body: { title: `F${counter}`, parentId: parent?.id ?? null, ...(chance(0.3) ? { handle: pick(["fa", "fb", "fc"]) } : {}) }, token: actor() });
        }],
        [8, () => {
          const f = pick(loose);
          if (!f) return;
          const to = chance(0.9) ? pick(inScope(f.scope_id))?.id ?? null : null;
          plans.push({ method: "PATCH", url: `/v1/folders/${f.id}`, body: { parentId: to }, token: actor(), target: f.id, ifMatch: chance(0.3) ? version(f.version) : undefined });
        }],
        [5, () => {
          // opposite moves at once, to different replicas: only one may win
          const a = pick(loose);
          const b = a && pick(loose.filter((x) => x.scope_id === a.scope_id && x.id !== a.id));
          if (!a || !b) return;
          const pair = ++pairId;
          plans.push({ method: "PATCH", url: `/v1/folders/${a.id}`, body: { parentId: b.id }, token: tokens.tenantOperator, target: a.id, pair, replica: 0 });
          plans.push({ method: "PATCH", url: `/v1/folders/${b.id}`, body: { parentId: a.id }, token: tokens.admin, target: b.id, pair, replica: 1 + Math.floor(rnd() * 2) });
        }],
        [5, () => {
          // a chain under the last folder of another, or two at once (A ← B ← C): near or past
          // the depth bound; or a chain back to the top
          const order = [...chainRoots];
          for (let i = order.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [order[i], order[j]] = [order[j], order[i]];
          }
          const [a, b, c] = order;
          if (chance(0.25)) {
            plans.push({ method: "PATCH", url: `/v1/folders/${a}`, body: { parentId: null }, token: tokens.tenantOperator, target: a });
            return;
          }
          plans.push({ method: "PATCH", url: `/v1/folders/${b}`, body: { parentId: deepest(a) }, token: tokens.tenantOperator, target: b, replica: 0 });
          if (chance(0.6)) plans.push({ method: "PATCH", url: `/v1/folders/${c}`, body: { parentId: deepest(b) }, token: tokens.admin, target: c, replica: 1 });
        }],
        [10, grow],
        [5, () => {
          const f = pick(folders);
          if (f) plans.push({ method: "PATCH", url: `/v1/folders/${f.id}`, body: { title: `renamed ${counter}`, ...(chance(0.3) ? { handle: pick(["fa", "fb", "fc", null]) } : {}) }, token: actor(), target: f.id, ifMatch: version(f.version) });
        }],
        [3, () => {
          const f = pick(loose);
          if (f) plans.push({ method: "DELETE", url: `/v1/folders/${f.id}?recursive=${chance(0.4)}`, token: actor(), ifMatch: chance(0.3) ? version(f.version) : undefined });
        }],
        [12, () => {
          const scope = owners();
          const folder = chance(0.6) ? pick(inScope(scope)) : undefined;
          const naming = chance(0.5) ? { handle: pick(HANDLES) } : { title: pick(TITLES) };
          plans.push({ method: "POST", url: `/v1/${SCOPE_URL(scope)}/connections`, body: { plugin: "custom", config: { note: "x" }, folderId: folder?.id ?? null, ...naming }, token: actor() });
        }],
        [8, () => {
          const c = pick(s.connections);
          if (c) plans.push({ method: "PATCH", url: `/v1/connections/${c.id}`, body: { folderId: chance(0.8) ? pick(inScope(c.scope_id))?.id ?? null : null }, token: actor(), target: c.id, ifMatch: chance(0.3) ? version(c.version) : undefined });
        }],
        [4, () => {
          const c = pick(s.connections);
          if (c) plans.push({ method: "PATCH", url: `/v1/connections/${c.id}`, body: { handle: pick(HANDLES) }, token: actor(), target: c.id });
        }],
        [6, () => {
          // racing updates holding the same version: If-Match lets at most one through
          const c = pick(s.connections);
          if (!c) return;
          for (let i = 0; i < 2; i++) plans.push({ method: "PATCH", url: `/v1/connections/${c.id}`, body: { title: `T${counter}.${i}`, description: `d${i}` }, token: tokens.tenantOperator, target: c.id, ifMatch: `"${c.version}"`, replica: i });
        }],
        [2, () => {
          const c = pick(s.connections);
          if (c) plans.push({ method: "DELETE", url: `/v1/connections/${c.id}?confirm=${c.handle}`, token: actor(), ifMatch: chance(0.2) ? version(c.version) : undefined });
        }],
        [10, () => {
          const object = pick(objects);
          if (!object) return;
          const grantee = chance(0.85) ? pick([h.tenant, h.org, ...h.ws]) : pick(h.ws);
          plans.push({ method: "POST", url: "/v1/grants", body: { objectId: object, granteeId: grantee }, token: actor() });
        }],
        [3, () => {
          const g = pick(s.grants.filter((x) => !anchors.has(x.id)));
          if (g) plans.push({ method: "DELETE", url: `/v1/grants/${g.id}?cascade=${chance(0.5)}`, token: actor() });
        }],
        [9, () => {
          // a grant attachments depend on: refused without cascade, detaching them with it
          depended ??= s.grants.filter((g) => !anchors.has(g.id) && m.stranded(g.id).length > 0);
          const g = pick(depended);
          if (!g) return;
          // alone, or without and with cascade at once (the first refused, or too late: 404)
          const both = chance(0.5);
          for (const cascade of both ? [false, true] : [chance(0.5)]) plans.push({ method: "DELETE", url: `/v1/grants/${g.id}?cascade=${cascade}`, token: tokens.tenantOperator, replica: both ? Number(cascade) : undefined });
        }],
        [14, () => {
          const ws = pick(h.ws) as string;
          const available = objects.filter((o) => m.available(ws, o));
          // some that one revocable grant alone makes available, for revokes to meet
          const single = available.filter((o) => m.ownerOf(o) !== ws && [...m.grants.values()].some((g) => !anchors.has(g.id) && !m.available(ws, o, g.id)));
          const roll = rnd();
          const object = roll < 0.3 ? pick(single) : roll < 0.55 ? pick(available.filter((o) => o.startsWith("fld_"))) : roll < 0.8 ? pick(available) : pick(objects);
          if (object) plans.push({ method: "POST", url: `/v1/workspaces/${ws}/attachments`, body: { objectId: object }, token: actor() });
        }],
        [4, () => {
          const a = pick(s.attachments.filter((x) => !anchors.has(x.id)));
          if (a) plans.push({ method: "DELETE", url: `/v1/attachments/${a.id}`, token: actor(), ifMatch: chance(0.2) ? `"1"` : undefined });
        }],
        [2, () => plans.push({ method: "DELETE", url: `/v1/workspaces/${pick(h.ws)}/schemas/${pick(NAMES)}`, token: actor() })],
        [6, () => {
          // one Idempotency-Key, the same request to every replica at once
          const key = `k${SEED}-${counter}-${Math.floor(rnd() * 1e9)}`;
          const ws = pick(h.ws) as string;
          const folder = pick(inScope(h.tenant));
          const choices: Planned[] = [
            { method: "POST", url: `/v1/tenants/${h.tenant}/connections`, body: { plugin: "custom", config: {}, title: pick(TITLES), folderId: folder?.id ?? null }, token: tokens.tenantOperator },
            { method: "POST", url: `/v1/orgs/${h.org}/connections`, body: { plugin: "custom", config: {}, handle: pick(HANDLES) }, token: tokens.orgOperator },
            { method: "POST", url: `/v1/tenants/${h.tenant}/folders`, body: { title: `idem ${key}`, parentId: folder?.id ?? null }, token: tokens.tenantOperator },
            { method: "POST", url: "/v1/grants", body: { objectId: pick(objects), granteeId: pick([h.tenant, h.org, ...h.ws]) }, token: tokens.admin },
            { method: "POST", url: `/v1/workspaces/${ws}/attachments`, body: { objectId: pick(objects.filter((o) => m.available(ws, o))) }, token: tokens.tenantOperator },
          ];
          const p = pick(choices) as Planned;
          if ((p.body as { objectId?: unknown }).objectId === undefined && p.url.endsWith("attachments")) return;
          for (let replica = 0; replica < REPLICAS; replica++) plans.push({ ...p, idemKey: key, replica });
          keys.push({ key, planned: p });
        }],
        [3, () => {
          // a late retry of an earlier key, to another replica
          const old = pick(keys.slice(0, -6));
          if (old) plans.push({ ...old.planned, idemKey: old.key });
        }],
        [5, () => {
          const ws = pick(h.ws) as string;
          plans.push(pick<Planned>([
            { method: "GET", url: `/v1/workspaces/${ws}/schemas?limit=500&include=available`, token: actor() },
            { method: "GET", url: `/v1/tenants/${h.tenant}/tree?limit=5000`, token: actor() },
            { method: "GET", url: `/v1/workspaces/${ws}/connections?limit=500`, token: actor() },
          ]) as Planned);
        }],
        [2, () => {
          // malformed input: a 4xx, never a 500
          const f = pick(folders);
          plans.push(pick<Planned>([
            { method: "PATCH", url: `/v1/folders/${f?.id ?? "fld_x"}`, body: { parentId: "fld_nope" }, token: actor(), ifMatch: '"3' },
            { method: "POST", url: "/v1/grants", body: { objectId: "conn_00000000000000000000", granteeId: h.ws[0] }, token: actor() },
            { method: "POST", url: `/v1/tenants/${h.tenant}/connections`, body: { plugin: "custom", config: {}, handle: "Bad_Handle_" }, token: actor() },
          ]) as Planned);
        }],
      ];
      const total = ops.reduce((n, [w]) => n + w, 0);
      // the last wave only grows, so that the end state has names in conflict to check
      const last = wave === WAVES - 1;
      for (let tries = 0; plans.length < (last ? PER_WAVE / 2 : PER_WAVE) && tries < 4 * PER_WAVE; tries++) {
        let roll = rnd() * total;
        if (last) grow();
        else (ops.find(([w]) => (roll -= w) < 0) ?? ops[0])[1]();
      }
      await Promise.all(plans.map((p) => send({ ...p, wave })));
    }
  }

  it("every answer under the storm is below 500, and every refusal is in the error envelope with its request id", () => {
    expect(sent.length).to.be.within((WAVES - 1) * PER_WAVE, WAVES * (PER_WAVE + 3) + 100);
    const bad = sent.filter((s) => s.status >= 500 || (s.status >= 400 && !(typeof s.res?.error?.code === "string" && typeof s.res.error.message === "string" && s.res.error.requestId === s.rid)));
    expect(bad.map((s) => `${s.method} ${s.url} → ${s.status} ${JSON.stringify(s.res)}`)).to.deep.equal([]);
  });

  it("the storm reached the rules it checks: refused cycles, the depth bound, stale versions, conflicts, cascades, replays", () => {
    const route = (s: Sent) => `${s.method} ${s.url.split("?")[0].split("/").filter((p) => !/_/.test(p)).pop()} ${s.status}`;
    const codes = new Set(sent.map(route));
    const messages = sent.filter((s) => s.status === 409).map((s) => String(s.res.error.message));
    expect(messages.some((m) => m.includes("cycle")), "a refused cycle").to.equal(true);
    expect(messages.some((m) => m.includes("levels deep")), "the depth bound").to.equal(true);
    expect(sent.some((s) => s.status === 412), "a stale If-Match").to.equal(true);
    expect(sent.some((s) => s.url.startsWith("/v1/grants/") && s.status === 200 && s.res.detached.length > 0), "a cascade").to.equal(true);
    expect(sent.some((s) => s.url.startsWith("/v1/grants/") && s.status === 409), "a refused revoke").to.equal(true);
    expect([...groups.values()].some((g) => g.filter((s) => s.status === 201).length > 1), "a replay").to.equal(true);
    for (const r of ["POST folders", "PATCH folders", "DELETE folders", "POST connections", "PATCH connections", "DELETE connections", "POST grants", "DELETE grants", "POST attachments", "DELETE attachments"]) {
      expect([...codes].some((k) => k.startsWith(`${r} 2`)), `a successful ${r}`).to.equal(true);
    }
  });

  it("folders: no cycle, at most 32 deep, parent and connections' folders in the same scope (SPEC §2)", async () => {
    const { rows } = await db.query<{ id: string; depth: number; cycle: boolean }>(
      `WITH RECURSIVE up (start, id, steps) AS (
         SELECT id, parent_id, 1 FROM folders
         UNION ALL
         SELECT up.start, f.parent_id, up.steps + 1 FROM folders f JOIN up ON f.id = up.id WHERE up.id <> up.start AND up.steps < 100
       )
       SELECT start AS id, max(steps) AS depth, bool_or(id = start) AS cycle FROM up GROUP BY start`,
    );
    expect(rows.filter((r) => r.cycle).map((r) => r.id), "folders in a cycle").to.deep.equal([]);
    expect(rows.filter((r) => r.depth > 32).map((r) => `${r.id}: ${r.depth}`), "folders deeper than 32").to.deep.equal([]);
    const crossed = await db.query(
      `SELECT f.id FROM folders f JOIN folders p ON p.id = f.parent_id WHERE p.scope_id <> f.scope_id
       UNION ALL
       SELECT c.id FROM connections c JOIN folders f ON f.id = c.folder_id WHERE f.scope_id <> c.scope_id`,
    );
    expect(crossed.rows).to.deep.equal([]);
    // a under b and b under a both went through only if a third move in the wave took one away
    const movedAlso = (x: Sent) => sent.some((o) => o.wave === x.wave && o.pair !== x.pair && o.target === x.target && o.status === 200 && o.method === "PATCH" && "parentId" in (o.body as object));
    const pairsBothMoved = [...pairs.values()].filter((p) => p.length === 2 && p.every((s) => s.status === 200) && !p.some(movedAlso));
    expect(pairsBothMoved.map((p) => p.map((s) => s.url)), "opposite moves that both succeeded").to.deep.equal([]);
  });

  it("handles: unique per scope and valid, for connections and sibling folders (SPEC §3.2)", async () => {
    const s = await snapshot(db);
    const seen = new Set<string>();
    for (const c of s.connections) {
      const key = `${c.scope_id}/${c.handle}`;
      expect(seen.has(key), `two connections ${key}`).to.equal(false);
      seen.add(key);
      expect(HANDLE_PATTERN.test(c.handle) && !RESERVED_HANDLES.has(c.handle) && !c.handle.startsWith("pg_"), c.handle).to.equal(true);
    }
    const siblings = new Set<string>();
    for (const f of s.folders.filter((f) => f.handle)) {
      const key = `${f.scope_id}/${f.parent_id}/${f.handle}`;
      expect(siblings.has(key), `two sibling folders ${key}`).to.equal(false);
      siblings.add(key);
      expect(HANDLE_PATTERN.test(f.handle as string), f.handle as string).to.equal(true);
    }
    // derived handles from identical titles were suffixed, not refused
    expect(s.connections.some((c) => /^(main_db|sales|warehouse)_\d+$/.test(c.handle)), "a suffixed derived handle").to.equal(true);
  });

  it("one Idempotency-Key sent to different replicas at once makes one object, and every answer names it", async () => {
    const audit = await db.query<{ request_id: string; action: string; target_id: string }>("SELECT request_id, action, target_id FROM audit_log WHERE request_id IS NOT NULL");
    const byRequest = new Map<string, { action: string; target_id: string }[]>();
    for (const a of audit.rows) byRequest.set(a.request_id, [...(byRequest.get(a.request_id) ?? []), a]);
    for (const [key, group] of groups) {
      const ok = group.filter((s) => s.status === 201);
      const ids = new Set(ok.map((s) => s.res.id));
      expect(ids.size, `${key}: ids ${[...ids]}`).to.be.at.most(1);
      const creates = group.flatMap((s) => byRequest.get(s.rid) ?? []);
      expect(creates.length, `${key}: audit records ${JSON.stringify(creates)}`).to.equal(ok.length > 0 ? 1 : 0);
      if (ok.length > 0) {
        expect(creates[0].target_id).to.equal([...ids][0]);
        expect(ok.map((s) => s.res), key).to.deep.equal(ok.map(() => ok[0].res));
      }
    }
  });

  it("no attachment's target is unavailable to its workspace; a revoke without cascade never left one behind (SPEC §4)", async () => {
    const s = await snapshot(db);
    const m = modelOf(h, s);
    expect(m.stranded()).to.deep.equal([]);
    expect(s.attachments.length, "attachments left to check").to.be.greaterThan(0);
    const nonCascade = sent.filter((x) => x.method === "DELETE" && x.url.includes("cascade=false") && x.status === 200);
    expect(nonCascade.flatMap((x) => x.res.detached)).to.deep.equal([]);
  });

  it("every workspace's schemas: the same from every replica, one holder per name, equal to a recomputation from the tables and to the audit log replayed through the model (SPEC §5)", async () => {
    const s = await snapshot(db);
    const { m: model, conflicts: history } = await replayAuditLog();
    const conflicts = { seen: 0 };
    for (const ws of h.ws) {
      const views: any[][] = [];
      for (const include of ["", "&include=available"]) {
        const answers = await Promise.all(apps.map(async (app) => {
          const r = await app.inject({ method: "GET", url: `/v1/workspaces/${ws}/schemas?limit=500${include}`, headers: { authorization: `Bearer ${tokens.admin}` } });
          expect(r.statusCode).to.equal(200);
          return JSON.parse(r.body).items as any[];
        }));
        expect(answers[1], `replica 1 vs 0 for ${ws}${include}`).to.deep.equal(answers[0]);
        expect(answers[2], `replica 2 vs 0 for ${ws}${include}`).to.deep.equal(answers[0]);
        views.push(answers[0]);
      }
      const [items, withAvailable] = views;
      // one holder per name; the others name it
      const holders = new Map<string, string>();
      for (const i of items.filter((i) => i.state !== "conflict")) {
        expect(holders.has(i.name), `two holders of "${i.name}" in ${ws}`).to.equal(false);
        holders.set(i.name, i.connectionId);
      }
      for (const i of items.filter((i) => i.state === "conflict")) {
        conflicts.seen++;
        expect(i.conflictsWith, `conflict of "${i.name}"`).to.equal(holders.get(i.name));
      }
      // membership = direct attachments + connections below attached folders, through the earliest
      const atts = s.attachments.filter((a) => a.workspace_id === ws);
      const parentOf = new Map(s.folders.map((f) => [f.id, f.parent_id]));
      const expected = new Map<string, { state: string; folderId: string | null; attachmentId: string }>();
      for (const c of s.connections) {
        const above: string[] = [];
        for (let f = c.folder_id; f; f = parentOf.get(f) ?? null) above.push(f);
        const direct = atts.find((a) => a.connection_id === c.id);
        const viaFolder = atts.find((a) => a.folder_id && above.includes(a.folder_id));
        if (direct) expected.set(c.id, { state: "direct", folderId: null, attachmentId: direct.id });
        else if (viaFolder) expected.set(c.id, { state: "indirect", folderId: viaFolder.folder_id, attachmentId: viaFolder.id });
      }
      const got = new Map(items.map((i) => [i.connectionId, { state: i.state === "conflict" ? expected.get(i.connectionId)?.state : i.state, folderId: i.folderId ?? null, attachmentId: i.attachmentId }]));
      expect(Object.fromEntries(got), `schemas of ${ws} against the tables`).to.deep.equal(Object.fromEntries(expected));
      for (const i of items) expect(i.name).to.equal(s.connections.find((c) => c.id === i.connectionId)?.handle);
      // available = own + granted to the workspace, its org or its tenant, on the connection or a folder above it
      const granted = (c: Snapshot["connections"][number]) => {
        if (c.scope_id === ws) return true;
        const covering = [c.id];
        for (let f = c.folder_id; f; f = parentOf.get(f) ?? null) covering.push(f);
        return s.grants.some((g) => [h.tenant, h.org, ws].includes(g.grantee_id) && covering.includes(g.object_id));
      };
      const availableIds = s.connections.filter((c) => !expected.has(c.id) && granted(c)).map((c) => c.id).sort();
      expect(withAvailable.filter((i) => i.state === "available").map((i) => i.connectionId).sort(), `available in ${ws}`).to.deep.equal(availableIds);
      // who holds a contested name: the one that arrived first, by the committed history
      expect(items.map(plain), `schemas of ${ws} against the replayed audit log`).to.deep.equal(model.schemas(ws).map(plain));
    }
    expect(history, "changes after which a workspace had a schema in conflict").to.be.greaterThan(0);
    expect(conflicts.seen, "schemas in conflict at the end").to.be.greaterThan(0);
  });

  it("every successful mutation left its audit records, in its own request, and no refusal left one (SPEC §7.2)", async () => {
    const audit = await db.query<{ request_id: string | null; action: string; target_id: string }>("SELECT request_id, action, target_id FROM audit_log ORDER BY seq");
    const byRequest = new Map<string, { action: string; target_id: string }[]>();
    for (const a of audit.rows) if (a.request_id) byRequest.set(a.request_id, [...(byRequest.get(a.request_id) ?? []), a]);
    const ours = new Set(sent.map((s) => s.rid));
    expect(audit.rows.filter((a) => a.request_id !== null && !ours.has(a.request_id)), "records of requests never sent").to.deep.equal([]);
    const wrong: string[] = [];
    for (const s of sent) {
      if (s.idemKey) continue; // checked per key above: one record for the whole group
      const records = byRequest.get(s.rid) ?? [];
      let want = 0;
      if (s.method !== "GET" && s.status < 300) {
        want = 1;
        if (s.method === "DELETE" && s.url.startsWith("/v1/folders/")) want = s.res.folders.length + s.res.connections.length + s.res.grants.length + s.res.attachments.length;
        if (s.method === "DELETE" && s.url.startsWith("/v1/grants/")) want = 1 + s.res.detached.length;
        if (s.method === "POST" && s.res?.id && !records.some((r) => r.target_id === s.res.id && r.action.endsWith(".create"))) wrong.push(`${s.rid} ${s.url}: no create record for ${s.res.id}`);
      }
      if (records.length !== want) wrong.push(`${s.rid} ${s.method} ${s.url} → ${s.status}: ${records.length} audit records, expected ${want}: ${JSON.stringify(records)}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("versions: each object's version is 1 + its successful updates, each update answered a new version, and racing If-Match let one through", async () => {
    const s = await snapshot(db);
    const patches = new Map<string, Sent[]>();
    for (const x of sent) if (x.method === "PATCH" && x.status === 200 && x.target) patches.set(x.target, [...(patches.get(x.target) ?? []), x]);
    for (const o of [...s.folders, ...s.connections]) {
      const ok = patches.get(o.id) ?? [];
      expect(o.version, `${o.id}: ${ok.length} successful updates`).to.equal(1 + ok.length);
      expect(ok.map((x) => x.res.version).sort((a, b) => a - b), o.id).to.deep.equal(ok.map((_, i) => i + 2));
      for (const x of ok) expect(x.etag).to.equal(`"${x.res.version}"`);
    }
    const byPrecondition = new Map<string, number>();
    for (const x of sent) if (x.method === "PATCH" && x.status === 200 && x.ifMatch) byPrecondition.set(`${x.target} ${x.ifMatch}`, (byPrecondition.get(`${x.target} ${x.ifMatch}`) ?? 0) + 1);
    expect([...byPrecondition].filter(([, n]) => n > 1), "two updates through one If-Match").to.deep.equal([]);
  });

  /**
   * The committed history of the tenant's sharing model, from the audit log: every change that
   * can alter a workspace's schemas holds the tenant's sharing lock while it writes its records,
   * so their order is the order of commit. Replayed through the model, each change must have been
   * allowed at its turn (available, no collision, nothing stranded), and the end state decides
   * who holds each contested name.
   */
  async function replayAuditLog(): Promise<{ m: SharingModel; conflicts: number }> {
    const { rows } = await db.query<{ request_id: string; action: string; target_id: string; after: any }>(
      "SELECT request_id, action, target_id, after FROM audit_log WHERE tenant_id = $1 ORDER BY seq",
      [h.tenant],
    );
    const m = modelOf(h);
    let conflicts = 0;
    const requests: { id: string; records: typeof rows }[] = [];
    const index = new Map<string, (typeof requests)[number]>();
    for (const r of rows) {
      let req = index.get(r.request_id);
      if (!req) requests.push((req = { id: r.request_id, records: [] }));
      index.set(r.request_id, req);
      req.records.push(r);
    }
    for (const req of requests) {
      let changed = false;
      for (const r of req.records) {
        const a = r.after;
        const where = `${req.id} ${r.action} ${r.target_id}`;
        switch (r.action) {
          case "folder.create":
            m.folders.set(r.target_id, { id: r.target_id, scope: a.scopeId, parent: a.parentId });
            break;
          case "folder.move":
            expect(a.parentId === null || !m.ancestorsOrSelf(a.parentId).includes(r.target_id), `${where}: a cycle`).to.equal(true);
            (m.folders.get(r.target_id) as { parent: string | null }).parent = a.parentId;
            changed = true;
            break;
          case "folder.delete":
            m.folders.delete(r.target_id);
            changed = true;
            break;
          case "connection.create":
            m.connections.set(r.target_id, { id: r.target_id, scope: a.scopeId, folder: a.folderId, handle: a.handle });
            changed = true;
            break;
          case "connection.move":
          case "connection.rename": {
            const c = m.connections.get(r.target_id);
            if (!c) throw new Error(`${where}: unknown connection`);
            if (a.handle !== c.handle) expect(m.renameClashes(c.id, a.handle), `${where}: a rename into a clash`).to.equal(false);
            c.folder = a.folderId;
            c.handle = a.handle;
            changed = true;
            break;
          }
          case "connection.delete":
            m.removeConnection(r.target_id);
            changed = true;
            break;
          case "grant.create":
            m.grants.set(r.target_id, { id: r.target_id, object: a.objectId, grantee: a.granteeId });
            break;
          case "grant.delete":
            m.grants.delete(r.target_id);
            changed = true;
            break;
          case "attachment.create":
            expect(m.available(a.workspaceId, a.objectId), `${where}: attached what is not available`).to.equal(true);
            expect(m.collides(a.workspaceId, a.objectId), `${where}: attached into a collision`).to.equal(false);
            m.addAttachment(r.target_id, a.workspaceId, a.objectId);
            changed = true;
            break;
          case "attachment.delete":
            m.attachments.delete(r.target_id);
            changed = true;
            break;
        }
      }
      if (changed) {
        expect(m.stranded(), `${req.id}: attachments left without their grant`).to.deep.equal([]);
        m.commit();
        if (h.ws.some((ws) => m.schemas(ws).some((x) => x.state === "conflict"))) conflicts++;
      }
    }
    return { m, conflicts };
  }
});
