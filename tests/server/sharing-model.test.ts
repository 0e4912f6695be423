import { expect } from "chai";
import { describeEachDb, scopePath, type ApiResponse, type TestApp } from "../helpers/app";
import { SharingModel, type MScope } from "../helpers/sharing-model";
import { prng } from "../helpers/prng";
import { CloudTree } from "../helpers/sharing-model-sync";

/**
 * Model-based test of SPEC §4–§5: random operations run against the service and against a small
 * reference model (tests/helpers/sharing-model.ts); after every step, every workspace's schemas
 * (and one connection's workspaces, and one workspace's available connections) must equal the
 * model's. Reproduce a failure with SWITCHYARD_MODEL_SEED=<seed> (and SWITCHYARD_MODEL_STEPS).
 */

const SEED = process.env.SWITCHYARD_MODEL_SEED ? Number(process.env.SWITCHYARD_MODEL_SEED) : Math.floor(Math.random() * 2 ** 31);
const STEPS = Number(process.env.SWITCHYARD_MODEL_STEPS ?? 300);
/** Few handles, so that connections of different scopes often share one. */
const HANDLES = ["a", "b", "c", "d"];

class Run {
  readonly m = new SharingModel();
  readonly log: string[] = [];
  /** Every schema state the comparisons met, to show the run reached the rules it checks. */
  readonly seen = new Set<string>();
  readonly rnd: () => number;
  step = 0;

  constructor(
    readonly t: TestApp,
    seed: number,
  ) {
    this.rnd = prng(seed);
  }

  chance(p: number) {
    return this.rnd() < p;
  }
  pick<T>(items: T[]): T | undefined {
    return items.length ? items[Math.floor(this.rnd() * items.length)] : undefined;
  }

  fail(message: string): never {
    throw new Error(`model mismatch at step ${this.step} (seed ${SEED}; rerun with SWITCHYARD_MODEL_SEED=${SEED}): ${message}\nlast operations:\n  ${this.log.slice(-15).join("\n  ")}`);
  }

  expectStatus(res: ApiResponse, expected: number, what: string) {
    this.log.push(`${this.step}: ${what} → ${res.status}`);
    if (res.status !== expected) this.fail(`${what}: expected ${expected}, got ${res.status}: ${res.raw}`);
  }

  scopeUrl(id: string) {
    return scopePath(this.m.scopes.get(id) as MScope & { id: string });
  }

  async setup() {
    const t = this.t;
    const tenant = await t.tenant();
    const add = (id: string, kind: MScope["kind"], path: string[]) => this.m.scopes.set(id, { id, kind, path });
    add(tenant.id, "tenant", [tenant.id]);
    for (let o = 0; o < 2; o++) {
      const org = await t.org(tenant.id);
      add(org.id, "org", [tenant.id, org.id]);
      for (let w = 0; w < 2 - o; w++) {
        const ws = await t.workspace(org.id);
        add(ws.id, "workspace", [tenant.id, org.id, ws.id]);
      }
    }
  }

  /** Owners of folders and connections: the tenant, both orgs and one workspace. */
  ownerScopes() {
    const all = [...this.m.scopes.values()];
    return [...all.filter((s) => s.kind !== "workspace"), all.find((s) => s.kind === "workspace") as MScope].map((s) => s.id);
  }

  objects() {
    return [...this.m.folders.keys(), ...this.m.connections.keys()];
  }

  /** Objects an integration manages: read-only for the other operations, which leave them alone. */
  readonly managed = new Set<string>();
  ownFolders() {
    return [...this.m.folders.values()].filter((f) => !this.managed.has(f.id));
  }
  ownConnections() {
    return [...this.m.connections.values()].filter((c) => !this.managed.has(c.id));
  }

  cloud?: CloudTree;

  /** An integration of the tenant or an organization, mirroring a random cloud tree. */
  async createIntegration() {
    const scope = this.pick(this.ownerScopes().filter((id) => this.m.scopes.get(id)!.kind !== "workspace"))!;
    const res = await this.t.post(`/v1/${this.scopeUrl(scope)}/integrations`, { type: "aws", handle: "model_mirror", config: { handlePrefix: "", connection: { config: {} } } });
    this.expectStatus(res, 201, `create integration in ${scope}`);
    this.cloud = new CloudTree(this.m, this.managed, { id: res.body.id, scope, rootFolderId: res.body.rootFolderId }, this.rnd);
    this.m.folders.set(res.body.rootFolderId, { id: res.body.rootFolderId, scope, parent: null });
    this.managed.add(res.body.rootFolderId);
    this.m.commit();
  }

  /** A sync of the changed cloud tree: the mirror follows it, or the whole sync is refused (409). */
  async syncIntegration() {
    const cloud = this.cloud!;
    cloud.mutate(1 + Math.floor(this.rnd() * 3));
    const { snapshot, expected, why } = cloud.predict();
    const res = await this.t.post(`/v1/integrations/${cloud.integration.id}/sync?allowMassDelete=true`, snapshot);
    this.expectStatus(res, expected, `sync (${snapshot.nodes.length} nodes${why ? `; ${why}` : ""})`);
    this.seen.add(`sync ${expected}`);
    if (expected === 200) {
      cloud.apply(res.body.operations);
      this.m.commit();
    } else cloud.revert();
  }

  async createFolder() {
    const scope = this.pick(this.ownerScopes())!;
    const parent = this.chance(0.7) ? this.pick(this.ownFolders().filter((f) => f.scope === scope && this.m.ancestorsOrSelf(f.id).length < 5)) : undefined;
    const res = await this.t.post(`/v1/${this.scopeUrl(scope)}/folders`, { title: "f", parentId: parent?.id ?? null });
    this.expectStatus(res, 201, `create folder in ${scope} under ${parent?.id ?? "top"}`);
    this.m.folders.set(res.body.id, { id: res.body.id, scope, parent: parent?.id ?? null });
    this.m.commit();
  }

  async moveFolder(given?: { id: string; to: string }) {
    const f = given ? this.m.folders.get(given.id) : this.pick(this.ownFolders());
    if (!f) return;
    const target = given ? this.m.folders.get(given.to) : this.chance(0.8) ? this.pick(this.ownFolders().filter((g) => g.scope === f.scope)) : undefined;
    const to = target?.id ?? null;
    const before = f.parent;
    let expected = 200;
    if (to && this.m.ancestorsOrSelf(to).includes(f.id)) expected = 409;
    else {
      f.parent = to;
      if (this.m.stranded().length > 0) {
        expected = 409;
        f.parent = before;
      }
    }
    const res = await this.t.patch(`/v1/folders/${f.id}`, { parentId: to });
    this.expectStatus(res, expected, `move folder ${f.id} from ${before ?? "top"} to ${to ?? "top"}`);
    if (expected === 200) this.m.commit();
  }

  async deleteFolder() {
    const f = this.pick(this.ownFolders());
    if (!f) return;
    const recursive = this.chance(0.5);
    const { folders, connections } = this.m.below(f.id);
    const expected = folders.length + connections.length > 1 && !recursive ? 409 : 200;
    const res = await this.t.del(`/v1/folders/${f.id}?recursive=${recursive}`);
    this.expectStatus(res, expected, `delete folder ${f.id} (recursive=${recursive}, ${folders.length - 1} folders and ${connections.length} connections inside)`);
    if (expected === 200) {
      this.m.removeSubtree(f.id);
      this.m.commit();
    }
  }

  async createConnection(given?: { scope: string; folder: { id: string }; handle: string }) {
    const scope = given?.scope ?? this.pick(this.ownerScopes())!;
    const folder = given ? given.folder : this.chance(0.8) ? this.pick(this.ownFolders().filter((f) => f.scope === scope)) : undefined;
    const handle = given?.handle ?? this.pick(HANDLES)!;
    const taken = [...this.m.connections.values()].some((c) => c.scope === scope && c.handle === handle);
    const res = await this.t.post(`/v1/${this.scopeUrl(scope)}/connections`, { plugin: "custom", config: {}, handle, folderId: folder?.id ?? null });
    this.expectStatus(res, taken ? 409 : 201, `create connection "${handle}" in ${scope} folder ${folder?.id ?? "none"}`);
    if (!taken) {
      this.m.connections.set(res.body.id, { id: res.body.id, scope, folder: folder?.id ?? null, handle });
      this.m.commit();
    }
  }

  async moveConnection(given?: { id: string; to: string }) {
    const c = given ? this.m.connections.get(given.id) : this.pick(this.ownConnections());
    if (!c) return;
    const to = given ? given.to : this.chance(0.85) ? (this.pick(this.ownFolders().filter((f) => f.scope === c.scope))?.id ?? null) : null;
    const before = c.folder;
    c.folder = to;
    const expected = this.m.stranded().length > 0 ? 409 : 200;
    if (expected === 409) c.folder = before;
    const res = await this.t.patch(`/v1/connections/${c.id}`, { folderId: to });
    this.expectStatus(res, expected, `move connection ${c.id} "${c.handle}" from ${before ?? "none"} to ${to ?? "none"}`);
    if (expected === 200) this.m.commit();
  }

  async renameConnection() {
    const c = this.pick(this.ownConnections());
    if (!c) return;
    const handle = this.pick(HANDLES)!;
    let expected = 200;
    if (handle !== c.handle) {
      if ([...this.m.connections.values()].some((o) => o.scope === c.scope && o.handle === handle)) expected = 409;
      else if (this.m.renameClashes(c.id, handle)) expected = 409;
    }
    const res = await this.t.patch(`/v1/connections/${c.id}`, { handle });
    this.expectStatus(res, expected, `rename connection ${c.id} "${c.handle}" to "${handle}"`);
    if (expected === 200) {
      c.handle = handle;
      this.m.commit();
    }
  }

  /**
   * Folder growth aimed at a collision: a connection named like a schema of a workspace, held by
   * a connection of another scope, is created in or moved into a folder the workspace sees.
   */
  async grow() {
    const ws = this.pick(this.m.workspaces())!;
    const seenFolders = [...this.m.attachments.values()]
      .filter((a) => a.ws === ws && this.m.folders.has(a.object))
      .flatMap((a) => this.m.below(a.object).folders)
      .filter((f) => !this.managed.has(f));
    const holders = this.m.schemas(ws).filter((s) => s.state !== "conflict");
    const options = seenFolders.flatMap((f) => {
      const scope = this.m.folders.get(f)!.scope;
      return holders.filter((h) => this.m.connections.get(h.connectionId)!.scope !== scope).map((h) => ({ folder: f, scope, handle: h.name }));
    });
    const o = this.pick(options);
    if (!o) return this.createConnection();
    // sometimes a whole folder of that scope grows in (bringing what is below it)
    const folders = this.ownFolders().filter((f) => f.scope === o.scope && f.id !== o.folder && this.m.below(f.id).connections.length > 0);
    if (folders.length && this.chance(0.4)) return this.moveFolder({ id: this.pick(folders)!.id, to: o.folder });
    const existing = this.ownConnections().find((c) => c.scope === o.scope && c.handle === o.handle);
    if (existing) return this.moveConnection({ id: existing.id, to: o.folder });
    return this.createConnection({ scope: o.scope, folder: { id: o.folder }, handle: o.handle });
  }

  async deleteConnection() {
    const c = this.pick(this.ownConnections());
    if (!c) return;
    const res = await this.t.del(`/v1/connections/${c.id}?confirm=${c.handle}`);
    this.expectStatus(res, 200, `delete connection ${c.id}`);
    this.m.removeConnection(c.id);
    this.m.commit();
  }

  async grant() {
    const object = this.pick(this.objects());
    if (!object) return;
    const owner = this.m.scopes.get(this.m.ownerOf(object))!;
    // Mostly grantees the rules allow, sometimes any scope of the tenant.
    const within = [...this.m.scopes.values()].filter((s) => s.path.includes(owner.id)).map((s) => s.id);
    const grantee = this.chance(0.8) && owner.kind !== "workspace" ? this.pick(within)! : this.pick([...this.m.scopes.keys()])!;
    let expected = 201;
    if (owner.kind === "workspace") expected = 422;
    else if (!this.m.scopes.get(grantee)!.path.includes(owner.id)) expected = 422;
    else if ([...this.m.grants.values()].some((g) => g.object === object && g.grantee === grantee)) expected = 409;
    const res = await this.t.post("/v1/grants", { objectId: object, granteeId: grantee });
    this.expectStatus(res, expected, `grant ${object} (owned by ${owner.id}) to ${grantee}`);
    if (expected === 201) {
      this.m.grants.set(res.body.id, { id: res.body.id, object, grantee });
      this.m.commit();
    }
  }

  async revoke() {
    const g = this.pick([...this.m.grants.values()]);
    if (!g) return;
    const cascade = this.chance(0.5);
    const before = new Set(this.m.stranded());
    const dependent = this.m.stranded(g.id).filter((a) => !before.has(a));
    const expected = dependent.length > 0 && !cascade ? 409 : 200;
    const res = await this.t.del(`/v1/grants/${g.id}?cascade=${cascade}`);
    this.expectStatus(res, expected, `revoke grant ${g.id} (cascade=${cascade}, ${dependent.length} dependent attachments)`);
    if (expected === 200) {
      for (const a of dependent) this.m.attachments.delete(a);
      this.m.grants.delete(g.id);
      this.m.commit();
      expect(res.body.detached.map((a: { id: string }) => a.id).sort()).to.deep.equal(dependent.sort());
    }
  }

  async attach() {
    const ws = this.pick(this.m.workspaces())!;
    const objects = this.objects();
    const availableOnes = objects.filter((o) => this.m.available(ws, o));
    const folders = availableOnes.filter((o) => this.m.folders.has(o));
    const object = this.chance(0.8) ? this.pick(this.chance(0.6) && folders.length ? folders : availableOnes) : this.pick(objects);
    if (!object) return;
    let expected = 201;
    if (!this.m.available(ws, object)) expected = 409;
    else if ([...this.m.attachments.values()].some((a) => a.ws === ws && a.object === object)) expected = 409;
    else if (this.m.collides(ws, object)) expected = 409;
    const res = await this.t.post(`/v1/workspaces/${ws}/attachments`, { objectId: object });
    this.expectStatus(res, expected, `attach ${object} to ${ws}`);
    if (expected === 201) {
      this.m.addAttachment(res.body.id, ws, object);
      this.m.commit();
    }
  }

  async detach() {
    const a = this.pick([...this.m.attachments.values()]);
    if (!a) return;
    const res = await this.t.del(`/v1/attachments/${a.id}`);
    this.expectStatus(res, 204, `detach ${a.id} (${a.object} from ${a.ws})`);
    this.m.attachments.delete(a.id);
    this.m.commit();
  }

  async detachSchema() {
    const ws = this.pick(this.m.workspaces())!;
    const name = this.pick(HANDLES)!;
    const holder = this.m.schemas(ws).find((s) => s.name === name && s.state !== "conflict");
    const expected = !holder ? 404 : holder.state === "indirect" ? 409 : 204;
    const res = await this.t.del(`/v1/workspaces/${ws}/schemas/${name}`);
    this.expectStatus(res, expected, `detach schema "${name}" of ${ws}`);
    if (expected === 204) {
      this.m.attachments.delete(holder!.attachmentId!);
      this.m.commit();
    }
  }

  /** Every workspace's schemas, one connection's workspaces and one workspace's available list. */
  async compare() {
    for (const ws of this.m.workspaces()) {
      const res = await this.t.get(`/v1/workspaces/${ws}/schemas?limit=500`);
      const got = res.body.items.map((s: Record<string, unknown>) => ({ name: s.name, state: s.state, connectionId: s.connectionId, folderId: s.folderId ?? null, attachmentId: s.attachmentId ?? null, conflictsWith: s.conflictsWith ?? null }));
      const want = this.m.schemas(ws);
      for (const s of want) {
        this.seen.add(s.state);
        if (this.managed.has(s.connectionId)) this.seen.add(`managed ${s.state}`);
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) this.fail(`schemas of ${ws} differ:\n service ${JSON.stringify(got)}\n model   ${JSON.stringify(want)}`);
    }
    const ws = this.pick(this.m.workspaces())!;
    const avail = (await this.t.get(`/v1/workspaces/${ws}/schemas?limit=500&include=available`)).body.items.map((s: Record<string, unknown>) => `${s.name}:${s.state}:${s.connectionId}`);
    const wantAvail = this.m.schemas(ws, true).map((s) => `${s.name}:${s.state}:${s.connectionId}`);
    if (JSON.stringify(avail) !== JSON.stringify(wantAvail)) this.fail(`schemas with available of ${ws} differ:\n service ${avail}\n model   ${wantAvail}`);
    const c = this.pick([...this.m.connections.keys()]);
    if (c) {
      const got = (await this.t.get(`/v1/connections/${c}/workspaces?limit=500`)).body.items.map((u: Record<string, unknown>) => `${u.workspaceId}:${u.state}:${u.folderId}:${u.conflictsWith}`);
      const want = this.m.connectionWorkspaces(c).map((u) => `${u.workspaceId}:${u.state}:${u.folderId}:${u.conflictsWith}`);
      if (JSON.stringify(got) !== JSON.stringify(want)) this.fail(`workspaces of ${c} differ:\n service ${got}\n model   ${want}`);
    }
  }

  async run(steps: number) {
    const ops: [number, () => Promise<void>][] = [
      [10, () => this.createFolder()],
      [8, () => this.moveFolder()],
      [2, () => this.deleteFolder()],
      [14, () => this.createConnection()],
      [10, () => this.moveConnection()],
      [14, () => this.grow()],
      [4, () => this.renameConnection()],
      [2, () => this.deleteConnection()],
      [16, () => this.grant()],
      [4, () => this.revoke()],
      [20, () => this.attach()],
      [4, () => this.detach()],
      [2, () => this.detachSchema()],
      [6, () => this.syncIntegration()],
    ];
    await this.createIntegration();
    // Past `steps`, go on (up to four times as far) until the run has met a conflict and a
    // workspace has seen a connection that a sync manages.
    const metAll = () => this.seen.has("conflict") && [...this.seen].some((s) => s.startsWith("managed "));
    for (this.step = 1; this.step <= steps || (!metAll() && this.step <= 4 * steps); this.step++) {
      const total = ops.reduce((n, [w]) => n + w, 0);
      let roll = this.rnd() * total;
      const op = ops.find(([w]) => (roll -= w) < 0) ?? ops[ops.length - 1];
      await op[1]();
      await this.compare();
      // keep the model small enough that its objects meet: fewer creates once it has grown
      ops[0][0] = this.m.folders.size < 20 ? 10 : 2;
      ops[3][0] = this.m.connections.size < 30 ? 14 : 3;
    }
  }
}

describeEachDb("sharing: random operations against a reference model", (ctx) => {
  it(`keeps every workspace's schemas equal to the model's after each of ${STEPS} random steps (seed ${SEED})`, async function () {
    this.timeout(300_000);
    const run = new Run(ctx.t, SEED);
    await run.setup();
    await run.run(STEPS);
    // The run reached the rules it checks (a seed that never does is not a pass).
    expect([...run.seen]).to.include.members(["direct", "indirect", "conflict", "sync 200"]);
    // syncs changed what workspaces see: managed connections were among their schemas
    expect([...run.seen].some((s) => s.startsWith("managed "))).to.equal(true);
  });
});
