import type { HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy";
import type { SyncOperation } from "../../contract/integrations";
import { computeMirror, DEFAULT_CONNECTION_TEMPLATES, type Mirror } from "../../contract/mirror";
import type { SharingModel } from "./sharing-model";

/**
 * The integration side of the sharing model (tests/server/sharing-model.test.ts): a random cloud
 * tree that changes between syncs, and what a sync does to the model, from the documented rules
 * (docs/integrations.md): the mirror of SPEC §6.2 replaces the managed objects, unless a handle
 * is taken by a connection the integration does not manage, a rename would give a workspace two
 * schemas of one name, or a move would strand an attachment (then nothing changes, 409).
 */

/** Few names, so that leaf handles collide with each other and with other connections' handles. */
const NAMES = ["a", "x", "y", "z"];

type State = { folders: Map<string, unknown>; connections: Map<string, unknown>; grants: Map<string, unknown>; attachments: Map<string, unknown> };

export class CloudTree {
  private nodes = new Map<string, HierarchyNode>();
  private previous = new Map<string, HierarchyNode>();
  /** Cloud id → object id of what the integration manages. */
  private readonly objects = new Map<string, string>();
  private mirror?: Mirror;
  private counter = 0;

  constructor(
    private readonly m: SharingModel,
    private readonly managed: Set<string>,
    readonly integration: { id: string; scope: string; rootFolderId: string },
    private readonly rnd: () => number,
  ) {}

  private pick<T>(items: T[]): T | undefined {
    return items.length ? items[Math.floor(this.rnd() * items.length)] : undefined;
  }

  private depth(id: string | null): number {
    let d = 0;
    for (let p = id; p; p = this.nodes.get(p)!.parentId) d++;
    return d;
  }

  private subtree(id: string): Set<string> {
    const out = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const n of this.nodes.values()) {
        if (n.parentId && out.has(n.parentId) && !out.has(n.id)) {
          out.add(n.id);
          grew = true;
        }
      }
    }
    return out;
  }

  /** `count` random changes: accounts open, move, get renamed and close; units open, move and close. */
  mutate(count: number): void {
    this.previous = new Map([...this.nodes].map(([k, v]) => [k, { ...v }]));
    for (let i = 0; i < count; i++) {
      const folders = [...this.nodes.values()].filter((n) => n.kind === "folder");
      const leaves = [...this.nodes.values()].filter((n) => n.kind === "leaf");
      const r = this.rnd();
      const someFolder = () => (this.rnd() < 0.85 ? (this.pick(folders)?.id ?? null) : null);
      if (r < 0.35 || leaves.length < 2) {
        const id = String(100_000_000_000 + ++this.counter);
        this.nodes.set(id, { id, kind: "leaf", name: this.pick(NAMES)!, parentId: someFolder() });
      } else if (r < 0.5) {
        const id = `ou-${++this.counter}`;
        const parent = this.pick(folders.filter((f) => this.depth(f.id) < 3))?.id ?? null;
        this.nodes.set(id, { id, kind: "folder", name: `unit ${this.counter}`, parentId: parent });
      } else if (r < 0.65) {
        this.pick(leaves)!.parentId = someFolder();
      } else if (r < 0.78) {
        this.pick(leaves)!.name = this.pick(NAMES)!;
      } else if (r < 0.86) {
        this.nodes.delete(this.pick(leaves)!.id);
      } else if (r < 0.94) {
        const f = this.pick(folders);
        if (!f) continue;
        const inside = this.subtree(f.id);
        f.parentId = this.pick(folders.filter((g) => !inside.has(g.id) && this.depth(g.id) < 3))?.id ?? null;
      } else {
        const f = this.pick(folders);
        if (f) for (const id of this.subtree(f.id)) this.nodes.delete(id);
      }
    }
  }

  revert(): void {
    this.nodes = this.previous;
  }

  private save(): State {
    const copy = <V>(map: Map<string, V>) => new Map([...map].map(([k, v]) => [k, { ...v }]));
    return { folders: copy(this.m.folders), connections: copy(this.m.connections), grants: copy(this.m.grants), attachments: copy(this.m.attachments) };
  }

  private restore(s: State): void {
    for (const key of ["folders", "connections", "grants", "attachments"] as const) {
      const target = this.m[key] as Map<string, unknown>;
      target.clear();
      for (const [k, v] of s[key]) target.set(k, v);
    }
  }

  /** The snapshot to push, and the status the rules predict for it. */
  predict(): { snapshot: HierarchySnapshot; expected: number; why?: string } {
    const snapshot: HierarchySnapshot = { cloud: "aws", nodes: [...this.nodes.values()].map((n) => ({ ...n })) };
    const mirror = computeMirror(snapshot, { handlePrefix: "", connection: DEFAULT_CONNECTION_TEMPLATES.aws });
    this.mirror = mirror;
    const { scope } = this.integration;
    const others = [...this.m.connections.values()].filter((c) => c.scope === scope && !this.managed.has(c.id));
    const taken = mirror.leaves.find((l) => others.some((c) => c.handle === l.handle));
    if (taken) return { snapshot, expected: 409, why: `handle "${taken.handle}" taken` };

    const wanted = new Map(mirror.leaves.map((l) => [l.cloudId, l]));
    const cloudOf = new Map([...this.objects].map(([cloudId, id]) => [id, cloudId]));
    const leaving = new Set([...this.objects].filter(([cloudId, id]) => this.m.connections.has(id) && !wanted.has(cloudId)).map(([, id]) => id));
    const finalHandle = (id: string) => {
      const cloudId = cloudOf.get(id);
      return (cloudId && wanted.get(cloudId)?.handle) || this.m.connections.get(id)!.handle;
    };
    for (const l of mirror.leaves) {
      const id = this.objects.get(l.cloudId);
      if (!id || this.m.connections.get(id)!.handle === l.handle) continue;
      for (const ws of this.m.workspaces()) {
        const members = this.m.schemas(ws).map((s) => s.connectionId);
        if (members.includes(id) && members.some((o) => o !== id && !leaving.has(o) && finalHandle(o) === l.handle)) {
          return { snapshot, expected: 409, why: `rename of ${id} to "${l.handle}" clashes in ${ws}` };
        }
      }
    }

    const saved = this.save();
    this.applyMirror(mirror, (cloudId) => this.objects.get(cloudId) ?? `new_${cloudId}`);
    const stranded = this.m.stranded();
    this.restore(saved);
    return stranded.length ? { snapshot, expected: 409, why: `strands ${stranded.join(", ")}` } : { snapshot, expected: 200 };
  }

  /** After a sync answered 200: the model takes the mirror, new objects by the ids the plan gave. */
  apply(operations: SyncOperation[]): void {
    const created = new Map(operations.filter((o) => o.op === "create").map((o) => [o.cloudId, o.objectId as string]));
    const idOf = (cloudId: string) => this.objects.get(cloudId) ?? (created.get(cloudId) as string);
    const mirror = this.mirror!;
    this.applyMirror(mirror, idOf);
    const kept = new Set([...mirror.folders.map((f) => f.cloudId), ...mirror.leaves.map((l) => l.cloudId)]);
    for (const [cloudId, id] of [...this.objects]) {
      if (kept.has(cloudId)) continue;
      this.objects.delete(cloudId);
      this.managed.delete(id);
    }
    for (const cloudId of kept) {
      this.objects.set(cloudId, idOf(cloudId));
      this.managed.add(idOf(cloudId));
    }
  }

  private applyMirror(mirror: Mirror, idOf: (cloudId: string) => string): void {
    const { scope, rootFolderId } = this.integration;
    const folders = new Set(mirror.folders.map((f) => f.cloudId));
    const leaves = new Set(mirror.leaves.map((l) => l.cloudId));
    for (const [cloudId, id] of this.objects) {
      if (this.m.connections.has(id) && !leaves.has(cloudId)) this.m.removeConnection(id);
      if (this.m.folders.has(id) && !folders.has(cloudId)) {
        for (const [gid, g] of this.m.grants) if (g.object === id) this.m.grants.delete(gid);
        for (const [aid, a] of this.m.attachments) if (a.object === id) this.m.attachments.delete(aid);
        this.m.folders.delete(id);
      }
    }
    const placeOf = (parentCloudId: string | null) => (parentCloudId === null ? rootFolderId : idOf(parentCloudId));
    for (const f of mirror.folders) this.m.folders.set(idOf(f.cloudId), { id: idOf(f.cloudId), scope, parent: placeOf(f.parentCloudId) });
    for (const l of mirror.leaves) this.m.connections.set(idOf(l.cloudId), { id: idOf(l.cloudId), scope, folder: placeOf(l.parentCloudId), handle: l.handle });
  }
}
