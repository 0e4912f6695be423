/**
 * A small reference model of SPEC §4–§5, written from the documented rules (docs/sharing.md)
 * and nothing else, to check the service against in tests/server/sharing-model.test.ts.
 *
 * - available: own, or a grant to the workspace / its org / its tenant on the object or a folder
 *   above it;
 * - members: connections attached directly or below an attached folder; `direct` when attached
 *   itself, else `indirect` through the earliest folder attachment;
 * - the name goes to the member that joined first and stayed (entered = the step it joined);
 *   the rest are `conflict`.
 */

export interface MScope {
  id: string;
  kind: "tenant" | "org" | "workspace";
  path: string[];
}
export interface MFolder {
  id: string;
  scope: string;
  parent: string | null;
}
export interface MConnection {
  id: string;
  scope: string;
  folder: string | null;
  handle: string;
}
export interface MGrant {
  id: string;
  object: string;
  grantee: string;
}
export interface MAttachment {
  id: string;
  ws: string;
  object: string;
  order: number;
}
export interface MSchema {
  name: string;
  state: "direct" | "indirect" | "conflict" | "available";
  connectionId: string;
  folderId: string | null;
  attachmentId: string | null;
  conflictsWith: string | null;
}

interface Route {
  direct: boolean;
  via: string | null;
  attachmentId: string;
  order: number;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class SharingModel {
  readonly scopes = new Map<string, MScope>();
  readonly folders = new Map<string, MFolder>();
  readonly connections = new Map<string, MConnection>();
  readonly grants = new Map<string, MGrant>();
  readonly attachments = new Map<string, MAttachment>();
  /** workspace → connection → the step it joined. */
  private readonly entries = new Map<string, Map<string, number>>();
  private clock = 0;
  private attachOrder = 0;

  workspaces(): string[] {
    return [...this.scopes.values()].filter((s) => s.kind === "workspace").map((s) => s.id);
  }

  /** The folder and every folder above it. */
  ancestorsOrSelf(folderId: string | null): string[] {
    const out: string[] = [];
    for (let f = folderId; f; f = this.folders.get(f)?.parent ?? null) out.push(f);
    return out;
  }

  /** The folder itself and every folder and connection below it. */
  below(folderId: string): { folders: string[]; connections: string[] } {
    const folders = [folderId];
    for (let i = 0; i < folders.length; i++) for (const f of this.folders.values()) if (f.parent === folders[i]) folders.push(f.id);
    const inside = new Set(folders);
    const connections = [...this.connections.values()].filter((c) => c.folder && inside.has(c.folder)).map((c) => c.id);
    return { folders, connections };
  }

  ownerOf(objectId: string): string {
    return (this.connections.get(objectId) ?? this.folders.get(objectId))!.scope;
  }

  available(ws: string, objectId: string, ignoringGrant?: string): boolean {
    if (this.ownerOf(objectId) === ws) return true;
    const path = this.scopes.get(ws)!.path;
    const c = this.connections.get(objectId);
    const covering = new Set([objectId, ...this.ancestorsOrSelf(c ? c.folder : objectId)]);
    return [...this.grants.values()].some((g) => g.id !== ignoringGrant && path.includes(g.grantee) && covering.has(g.object));
  }

  stranded(ignoringGrant?: string): string[] {
    return [...this.attachments.values()].filter((a) => !this.available(a.ws, a.object, ignoringGrant)).map((a) => a.id);
  }

  /** The connections an attachment of `objectId` brings. */
  brought(objectId: string): string[] {
    return this.connections.has(objectId) ? [objectId] : this.below(objectId).connections;
  }

  private routes(ws: string): Map<string, Route[]> {
    const out = new Map<string, Route[]>();
    const atts = [...this.attachments.values()].filter((a) => a.ws === ws).sort((a, b) => a.order - b.order);
    for (const a of atts) {
      const direct = this.connections.has(a.object);
      for (const c of this.brought(a.object)) {
        const list = out.get(c) ?? [];
        list.push({ direct, via: direct ? null : a.object, attachmentId: a.id, order: a.order });
        out.set(c, list);
      }
    }
    return out;
  }

  /** After every change that succeeded: newcomers join now, leavers are forgotten. */
  commit(): void {
    this.clock += 1;
    for (const ws of this.workspaces()) {
      const members = this.routes(ws);
      const entered = this.entries.get(ws) ?? new Map<string, number>();
      for (const c of [...entered.keys()]) if (!members.has(c)) entered.delete(c);
      for (const c of members.keys()) if (!entered.has(c)) entered.set(c, this.clock);
      this.entries.set(ws, entered);
    }
  }

  schemas(ws: string, includeAvailable = false): MSchema[] {
    const routes = this.routes(ws);
    const entered = this.entries.get(ws) ?? new Map<string, number>();
    const byName = new Map<string, string[]>();
    for (const c of routes.keys()) {
      const name = this.connections.get(c)!.handle;
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    const out: MSchema[] = [];
    for (const name of [...byName.keys()].sort(byString)) {
      const ranked = byName.get(name)!.sort((a, b) => entered.get(a)! - entered.get(b)! || byString(a, b));
      ranked.forEach((c, rank) => {
        const rs = routes.get(c)!;
        const route = rs.find((r) => r.direct) ?? rs[0];
        out.push({
          name,
          state: rank > 0 ? "conflict" : route.direct ? "direct" : "indirect",
          connectionId: c,
          folderId: route.via,
          attachmentId: route.attachmentId,
          conflictsWith: rank > 0 ? ranked[0] : null,
        });
      });
    }
    if (!includeAvailable) return out;
    const extra = [...this.connections.values()]
      .filter((c) => !routes.has(c.id) && this.available(ws, c.id))
      .map((c): MSchema => ({ name: c.handle, state: "available", connectionId: c.id, folderId: null, attachmentId: null, conflictsWith: null }));
    const order = new Map(out.map((s, n) => [s.connectionId, n]));
    return [...out, ...extra].sort(
      (a, b) => byString(a.name, b.name) || (order.get(a.connectionId) ?? Infinity) - (order.get(b.connectionId) ?? Infinity) || byString(a.connectionId, b.connectionId),
    );
  }

  /** Where a connection is a schema, by workspace id. */
  connectionWorkspaces(connectionId: string) {
    return this.workspaces()
      .sort(byString)
      .flatMap((ws) => this.schemas(ws).filter((s) => s.connectionId === connectionId).map((s) => ({ workspaceId: ws, ...s })));
  }

  /** Attach-time collision: a brought connection whose handle another connection holds here. */
  collides(ws: string, objectId: string): boolean {
    const holders = new Map(this.schemas(ws).filter((s) => s.state !== "conflict").map((s) => [s.name, s.connectionId]));
    return this.brought(objectId).some((c) => {
      const h = holders.get(this.connections.get(c)!.handle);
      return h !== undefined && h !== c;
    });
  }

  /** A rename that would put two members of one name in a workspace. */
  renameClashes(connectionId: string, handle: string): boolean {
    return this.workspaces().some((ws) => {
      const members = [...this.routes(ws).keys()];
      return members.includes(connectionId) && members.some((c) => c !== connectionId && this.connections.get(c)!.handle === handle);
    });
  }

  addAttachment(id: string, ws: string, object: string): void {
    this.attachments.set(id, { id, ws, object, order: ++this.attachOrder });
  }

  /** Removes a folder with everything below it, and the grants and attachments on all of it. */
  removeSubtree(folderId: string): void {
    const { folders, connections } = this.below(folderId);
    const gone = new Set([...folders, ...connections]);
    for (const [id, g] of this.grants) if (gone.has(g.object)) this.grants.delete(id);
    for (const [id, a] of this.attachments) if (gone.has(a.object)) this.attachments.delete(id);
    for (const c of connections) this.connections.delete(c);
    for (const f of folders) this.folders.delete(f);
  }

  removeConnection(id: string): void {
    for (const [gid, g] of this.grants) if (g.object === id) this.grants.delete(gid);
    for (const [aid, a] of this.attachments) if (a.object === id) this.attachments.delete(aid);
    this.connections.delete(id);
  }
}
