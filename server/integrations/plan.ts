import { newId } from "../../contract/ids";
import type { SyncOperation, SyncSummary } from "../../contract/integrations";
import type { Mirror } from "../../contract/mirror";
import { redactConfig, type StoredConfig } from "../connections/config";
import type { SecretBox } from "../secrets";
import type { ManagedConnectionRow, ManagedFolderRow } from "./store";
import { leafUnchanged, sealLeaf } from "./template";

/**
 * A sync's plan (SPEC §6.2): what to create, change and delete so that the objects an integration
 * manages equal the mirror. Identity is the cloud id. Pure but for new ids and sealing secrets.
 */

export interface FolderWrite {
  id: string;
  cloudId: string;
  parentId: string;
  title: string;
  moved: boolean;
  /** Depth below the root folder (1 = a top node), to move parents before children. */
  depth: number;
}

export interface ConnectionWrite extends StoredConfig {
  id: string;
  cloudId: string;
  folderId: string;
  handle: string;
  title: string;
  plugin: string;
  moved: boolean;
  renamed: boolean;
}

export interface Plan {
  folders: { create: FolderWrite[]; update: FolderWrite[]; delete: ManagedFolderRow[] };
  connections: { create: ConnectionWrite[]; update: ConnectionWrite[]; delete: ManagedConnectionRow[] };
  /** Managed objects before the sync (the root folder excluded). */
  managedBefore: number;
  summary: SyncSummary;
  /** Every object that changes, one operation each. */
  operations: SyncOperation[];
}

export function planSync(box: SecretBox, rootFolderId: string, mirror: Mirror, current: { folders: ManagedFolderRow[]; connections: ManagedConnectionRow[] }): Plan {
  const summary: SyncSummary = { create: 0, update: 0, move: 0, rename: 0, delete: 0, unchanged: 0 };
  const operations: SyncOperation[] = [];
  const cloudOfFolder = new Map<string, string | null>(current.folders.map((f) => [f.id, f.cloud_id]));
  const folderByCloud = new Map(current.folders.filter((f) => f.cloud_id !== null).map((f) => [f.cloud_id as string, f]));
  const connectionByCloud = new Map(current.connections.map((c) => [c.cloud_id, c]));
  const parentCloud = (folderId: string | null) => (folderId ? (cloudOfFolder.get(folderId) ?? null) : null);

  const count = (op: SyncOperation) => {
    summary[op.op] += 1;
    operations.push(op);
  };
  const changeOp = (changes: ("move" | "rename" | "update")[]) => changes[0];

  // folders: ids first (new ones too), so children can name new parents
  const idOfFolder = new Map<string, string>();
  for (const f of mirror.folders) idOfFolder.set(f.cloudId, folderByCloud.get(f.cloudId)?.id ?? newId("folder"));
  const folderIdOf = (cloudId: string | null) => (cloudId === null ? rootFolderId : (idOfFolder.get(cloudId) as string));
  const depthOf = new Map<string, number>();

  const folders: Plan["folders"] = { create: [], update: [], delete: [] };
  for (const f of mirror.folders) {
    const depth = f.parentCloudId === null ? 1 : (depthOf.get(f.parentCloudId) as number) + 1;
    depthOf.set(f.cloudId, depth);
    const id = idOfFolder.get(f.cloudId) as string;
    const parentId = folderIdOf(f.parentCloudId);
    const existing = folderByCloud.get(f.cloudId);
    const after = { title: f.title, parentCloudId: f.parentCloudId, parentId };
    if (!existing) {
      folders.create.push({ id, cloudId: f.cloudId, parentId, title: f.title, moved: false, depth });
      count({ op: "create", kind: "folder", cloudId: f.cloudId, objectId: id, after });
      continue;
    }
    const changes: ("move" | "rename")[] = [];
    if (existing.parent_id !== parentId) changes.push("move");
    if (existing.title !== f.title) changes.push("rename");
    if (!changes.length) {
      summary.unchanged += 1;
      continue;
    }
    folders.update.push({ id, cloudId: f.cloudId, parentId, title: f.title, moved: changes.includes("move"), depth });
    count({ op: changeOp(changes), kind: "folder", cloudId: f.cloudId, objectId: id, changes, before: { title: existing.title, parentCloudId: parentCloud(existing.parent_id), parentId: existing.parent_id }, after });
  }
  const wantedFolders = new Set(mirror.folders.map((f) => f.cloudId));
  for (const f of current.folders) {
    if (f.cloud_id === null || wantedFolders.has(f.cloud_id)) continue;
    folders.delete.push(f);
    count({ op: "delete", kind: "folder", cloudId: f.cloud_id, objectId: f.id, before: { title: f.title, parentCloudId: parentCloud(f.parent_id), parentId: f.parent_id } });
  }

  const connections: Plan["connections"] = { create: [], update: [], delete: [] };
  for (const l of mirror.leaves) {
    const folderId = folderIdOf(l.parentCloudId);
    const existing = connectionByCloud.get(l.cloudId);
    if (!existing) {
      const id = newId("connection");
      const sealed = sealLeaf(box, id, l.plugin, l.config);
      connections.create.push({ id, cloudId: l.cloudId, folderId, handle: l.handle, title: l.title, plugin: l.plugin, moved: false, renamed: false, ...sealed });
      count({ op: "create", kind: "connection", cloudId: l.cloudId, objectId: id, after: { title: l.title, handle: l.handle, parentCloudId: l.parentCloudId, folderId, plugin: l.plugin, config: redactConfig(l.plugin, sealed) } });
      continue;
    }
    const changes: ("move" | "rename" | "update")[] = [];
    if (existing.folder_id !== folderId) changes.push("move");
    if (existing.handle !== l.handle || existing.title !== l.title) changes.push("rename");
    const stored = { config: existing.config, secrets: existing.secrets };
    const sameConfig = existing.plugin === l.plugin && leafUnchanged(box, existing.id, l.plugin, l.config, stored);
    if (!sameConfig) changes.push("update");
    if (!changes.length) {
      summary.unchanged += 1;
      continue;
    }
    const sealed = sameConfig ? stored : sealLeaf(box, existing.id, l.plugin, l.config, existing.secrets);
    connections.update.push({ id: existing.id, cloudId: l.cloudId, folderId, handle: l.handle, title: l.title, plugin: l.plugin, moved: changes.includes("move"), renamed: existing.handle !== l.handle, ...sealed });
    const view = (c: { title: string; handle: string; folderId: string | null; parentCloudId: string | null }, plugin: string, config: StoredConfig) => ({
      ...c,
      ...(sameConfig ? {} : { plugin, config: redactConfig(plugin, config) }),
    });
    count({
      op: changeOp(changes),
      kind: "connection",
      cloudId: l.cloudId,
      objectId: existing.id,
      changes,
      before: view({ title: existing.title, handle: existing.handle, folderId: existing.folder_id, parentCloudId: parentCloud(existing.folder_id) }, existing.plugin, stored),
      after: view({ title: l.title, handle: l.handle, folderId, parentCloudId: l.parentCloudId }, l.plugin, sealed),
    });
  }
  const wantedLeaves = new Set(mirror.leaves.map((l) => l.cloudId));
  for (const c of current.connections) {
    if (wantedLeaves.has(c.cloud_id)) continue;
    connections.delete.push(c);
    count({ op: "delete", kind: "connection", cloudId: c.cloud_id, objectId: c.id, before: { title: c.title, handle: c.handle, parentCloudId: parentCloud(c.folder_id), folderId: c.folder_id } });
  }

  return { folders, connections, managedBefore: current.folders.filter((f) => f.cloud_id !== null).length + current.connections.length, summary, operations };
}
