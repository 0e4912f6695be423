import type { HierarchyNode, HierarchySnapshot } from "../../contract/hierarchy";
import { scopePath, type TestApp } from "./app";

/** Building blocks for integration tests: AWS-like estates and calls as an owner makes them. */

export const account = (n: number) => String(100_000_000_000 + n);

/** An AWS estate: a root, `ous` organizational units under it, and `accounts` accounts spread over them. */
export function estate(ous: number, accounts: number, name = (n: number) => `account ${n}`): HierarchySnapshot {
  const nodes: HierarchyNode[] = [{ id: "r-root", kind: "folder", name: "Root", parentId: null }];
  for (let o = 0; o < ous; o++) nodes.push({ id: `ou-${o}`, kind: "folder", name: `Unit ${o}`, parentId: "r-root" });
  for (let a = 0; a < accounts; a++) nodes.push({ id: account(a), kind: "leaf", name: name(a), parentId: ous ? `ou-${a % ous}` : "r-root", meta: { status: "ACTIVE" } });
  return { cloud: "aws", nodes };
}

export function awsIntegrationBody(handle: string, extra: Record<string, unknown> = {}) {
  return { type: "aws", handle, config: { connection: { config: {} }, ...extra } };
}

export function createIntegration(t: TestApp, scope: { id: string; kind: string }, body: unknown, token?: string) {
  return t.expect(201, "POST", `/v1/${scopePath(scope)}/integrations`, { body, token });
}

export function sync(t: TestApp, id: string, snapshot: unknown, query = "", token?: string) {
  return t.call("POST", `/v1/integrations/${id}/sync${query}`, { body: snapshot, token });
}

export async function syncOk(t: TestApp, id: string, snapshot: unknown, query = "") {
  const res = await sync(t, id, snapshot, query);
  if (res.status !== 200) throw new Error(`sync: expected 200, got ${res.status}: ${res.raw}`);
  return res.body;
}

/** The managed objects of an integration, straight from the database: cloud id → row. */
export async function managed(t: TestApp, integrationId: string) {
  const folders = await t.db.query<{ id: string; cloud_id: string | null; parent_id: string | null; title: string }>("SELECT id, cloud_id, parent_id, title FROM folders WHERE managed_by = $1", [integrationId]);
  const connections = await t.db.query<{ id: string; cloud_id: string; folder_id: string; handle: string; title: string; config: Record<string, unknown> }>(
    "SELECT id, cloud_id, folder_id, handle, title, config FROM connections WHERE managed_by = $1",
    [integrationId],
  );
  return {
    folders: new Map(folders.rows.map((f) => [f.cloud_id ?? "(root)", f])),
    connections: new Map(connections.rows.map((c) => [c.cloud_id, c])),
  };
}
