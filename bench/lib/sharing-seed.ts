import { newId } from "../../contract/ids";
import type { Db } from "../../server/db/db";

/**
 * Seeds the sharing benchmark's tenant: scopes and attachments through the API (so the rules and
 * the schema entries are the service's own), folders, connections and grants with batched SQL.
 */

export interface Http {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface Seeded {
  tenantId: string;
  workspaces: string[];
  /** The large folder the bench moves, and the two parents it moves between. */
  moved: { folderId: string; from: string; to: string; connectionsBelow: number };
  /** Workspaces that attached `from` and `to` (their schemas change with each move). */
  seesFrom: string;
  seesTo: string;
}

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface F {
  id: string;
  scope: string;
  parent: string | null;
  depth: number;
}

async function insertFolders(db: Db, folders: F[]) {
  // level by level, so each folder's parent exists when the tree guard checks it
  for (let depth = 0; depth <= 5; depth++) {
    const level = folders.filter((f) => f.depth === depth);
    if (level.length === 0) continue;
    await db.query(
      `INSERT INTO folders (id, scope_id, parent_id, title)
       SELECT id, scope, parent, 'Folder ' || id FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, scope, parent)`,
      [level.map((f) => f.id), level.map((f) => f.scope), level.map((f) => f.parent)],
    );
  }
}

async function insertConnections(db: Db, rows: { id: string; scope: string; folder: string | null; handle: string }[]) {
  for (let i = 0; i < rows.length; i += 2000) {
    const batch = rows.slice(i, i + 2000);
    await db.query(
      `INSERT INTO connections (id, scope_id, folder_id, handle, title, plugin, config)
       SELECT id, scope, folder, handle, handle, 'custom', '{}'::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, scope, folder, handle)`,
      [batch.map((r) => r.id), batch.map((r) => r.scope), batch.map((r) => r.folder), batch.map((r) => r.handle)],
    );
  }
}

export async function seedSharing(db: Db, http: Http, log: (s: string) => void): Promise<Seeded> {
  const rnd = prng(20261127);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await http(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const tenant = await ok("POST", "/v1/tenants", { handle: `bench_${Date.now().toString(36)}` });
  const orgs: string[] = [];
  const workspaces: string[] = [];
  const orgOf = new Map<string, string>();
  for (let o = 0; o < 4; o++) {
    const org = await ok("POST", `/v1/tenants/${tenant.id}/orgs`, { handle: `org_${o}` });
    orgs.push(org.id);
    for (let w = 0; w < 25; w++) {
      const ws = await ok("POST", `/v1/orgs/${org.id}/workspaces`, { handle: `ws_${w}` });
      workspaces.push(ws.id);
      orgOf.set(ws.id, org.id);
    }
  }
  log(`  scopes: 1 tenant, ${orgs.length} orgs, ${workspaces.length} workspaces`);

  // 900 tenant folders in 6 levels under 6 roots, and 25 folders per org (5 roots, 20 below)
  const folders: F[] = [];
  for (let r = 0; r < 6; r++) folders.push({ id: newId("folder"), scope: tenant.id, parent: null, depth: 0 });
  // one large folder (A, under the first root) takes about a sixth of the tree, to be moved
  const large: F = { id: newId("folder"), scope: tenant.id, parent: folders[0].id, depth: 1 };
  folders.push(large);
  const inLarge = [large];
  while (folders.length < 900) {
    const fromLarge = rnd() < 0.17;
    const parent = pick((fromLarge ? inLarge : folders).filter((f) => f.depth < 5 && (f.depth < 2 || rnd() < 0.6)));
    const f = { id: newId("folder"), scope: tenant.id, parent: parent.id, depth: parent.depth + 1 };
    folders.push(f);
    if (fromLarge || inLarge.some((l) => l.id === parent.id)) inLarge.push(f);
  }
  for (const org of orgs) {
    const roots = Array.from({ length: 5 }, () => ({ id: newId("folder"), scope: org, parent: null, depth: 0 }));
    folders.push(...roots);
    for (let i = 0; i < 20; i++) folders.push({ id: newId("folder"), scope: org, parent: pick(roots).id, depth: 1 });
  }
  await insertFolders(db, folders);
  const tenantFolders = folders.filter((f) => f.scope === tenant.id);

  // 9,000 tenant connections (90% in folders), 1,000 org connections in org folders (a fifth reuse a tenant handle)
  const conns: { id: string; scope: string; folder: string | null; handle: string }[] = [];
  for (let n = 0; n < 9000; n++) conns.push({ id: newId("connection"), scope: tenant.id, folder: rnd() < 0.9 ? pick(tenantFolders).id : null, handle: `t_${n}` });
  orgs.forEach((org, o) => {
    const mine = folders.filter((f) => f.scope === org);
    const used = new Set<string>();
    for (let n = 0; n < 250; n++) {
      const reused = `t_${Math.floor(rnd() * 9000)}`;
      const handle = rnd() < 0.2 && !used.has(reused) ? reused : `o${o}_${n}`;
      used.add(handle);
      conns.push({ id: newId("connection"), scope: org, folder: pick(mine).id, handle });
    }
  });
  await insertConnections(db, conns);
  log(`  folders: ${folders.length}, connections: ${conns.length}`);

  // Grants: the first tenant root to the tenant; 5 tenant folders per org; 2 per workspace; org roots to their org
  const grants: [string, string][] = [[tenantFolders[0].id, tenant.id]];
  for (const org of orgs) {
    for (let i = 0; i < 5; i++) grants.push([pick(tenantFolders.filter((f) => f.depth >= 1)).id, org]);
    for (const f of folders.filter((x) => x.scope === org && x.depth === 0)) grants.push([f.id, org]);
  }
  for (const ws of workspaces) for (let i = 0; i < 2; i++) grants.push([pick(tenantFolders.filter((f) => f.depth >= 2)).id, ws]);
  const unique = [...new Map(grants.map((g) => [`${g[0]}/${g[1]}`, g])).values()];
  await db.query(
    `INSERT INTO grants (id, tenant_id, folder_id, grantee_id)
     SELECT id, $4, folder, grantee FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, folder, grantee)`,
    [unique.map(() => newId("grant")), unique.map((g) => g[0]), unique.map((g) => g[1]), tenant.id],
  );
  log(`  grants: ${unique.length}`);

  // The moved folder: the largest folder below the first root (granted to the whole tenant),
  // placed under another folder of that root; it moves between that one and a third.
  const below = (id: string): string[] => [id, ...tenantFolders.filter((f) => f.parent === id).flatMap((f) => below(f.id))];
  const count = (id: string) => {
    const set = new Set(below(id));
    return conns.filter((c) => c.folder && set.has(c.folder)).length;
  };
  const root = tenantFolders[0];
  const level1 = tenantFolders.filter((f) => f.parent === root.id).map((f) => ({ f, n: count(f.id) }));
  level1.sort((a, b) => b.n - a.n);
  if (level1.length < 3) throw new Error("the seeded tree has fewer than 3 folders under its first root");
  const big = level1[0];
  const [from, to] = [level1[level1.length - 1].f.id, level1[level1.length - 2].f.id];
  await db.query("UPDATE folders SET parent_id = $2 WHERE id = $1", [big.f.id, from]);

  // Attachments through the API: 10 workspaces see `from`, 10 see `to`; every workspace attaches
  // 2 folders and 5 connections available to it (collisions refused by the service are skipped)
  let attached = 0;
  let refused = 0;
  const tryAttach = async (ws: string, objectId: string) => {
    const res = await http("POST", `/v1/workspaces/${ws}/attachments`, { objectId });
    if (res.status === 201) attached++;
    else if (res.status === 409) refused++;
    else throw new Error(`attach ${objectId} to ${ws}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  for (let i = 0; i < 10; i++) await tryAttach(workspaces[i], from);
  for (let i = 10; i < 20; i++) await tryAttach(workspaces[i], to);
  for (const ws of workspaces) {
    const granted = unique.filter((g) => g[1] === ws || g[1] === orgOf.get(ws) || g[1] === tenant.id).map((g) => g[0]);
    for (let i = 0; i < 2; i++) await tryAttach(ws, pick(granted));
    const coveredFolders = new Set(granted.flatMap(below));
    const availableConns = conns.filter((c) => c.scope === tenant.id && c.folder && coveredFolders.has(c.folder));
    for (let i = 0; i < 5; i++) await tryAttach(ws, pick(availableConns).id);
  }
  log(`  attachments: ${attached} (${refused} refused as collisions or duplicates)`);
  return { tenantId: tenant.id, workspaces, moved: { folderId: big.f.id, from, to, connectionsBelow: big.n }, seesFrom: workspaces[0], seesTo: workspaces[10] };
}
