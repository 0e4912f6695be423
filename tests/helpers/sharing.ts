import { scopePath, type TestApp } from "./app";

/** Building blocks for the sharing tests (folders, grants, attachments), as an operator would call them. */
export type ScopeRef = { id: string; kind: string };

export function folder(t: TestApp, scope: ScopeRef, opts: { title?: string; handle?: string; parentId?: string | null } = {}) {
  return t.expect(201, "POST", `/v1/${scopePath(scope)}/folders`, { body: { title: opts.title ?? t.unique("folder"), ...opts } });
}

export function connection(t: TestApp, scope: ScopeRef, handle: string, folderId?: string | null, config: Record<string, unknown> = {}) {
  return t.expect(201, "POST", `/v1/${scopePath(scope)}/connections`, { body: { plugin: "custom", handle, config, folderId: folderId ?? null } });
}

export function grant(t: TestApp, objectId: string, granteeId: string) {
  return t.expect(201, "POST", "/v1/grants", { body: { objectId, granteeId } });
}

export function attach(t: TestApp, workspaceId: string, objectId: string) {
  return t.expect(201, "POST", `/v1/workspaces/${workspaceId}/attachments`, { body: { objectId } });
}

export interface SchemaView {
  name: string;
  state: string;
  connectionId: string;
  folderId?: string | null;
  attachmentId?: string | null;
  conflictsWith?: string | null;
}

/** A workspace's schemas as `name:state` strings, or the full items. */
export async function schemas(t: TestApp, workspaceId: string, query = ""): Promise<SchemaView[]> {
  return (await t.expect(200, "GET", `/v1/workspaces/${workspaceId}/schemas?limit=500${query}`)).items;
}

export async function schemaStates(t: TestApp, workspaceId: string, query = ""): Promise<string[]> {
  return (await schemas(t, workspaceId, query)).map((s) => `${s.name}:${s.state}`);
}

/** The audit records of a scope (and below) with the given action, newest first. */
export async function auditOf(t: TestApp, scope: ScopeRef, action: string) {
  return (await t.expect(200, "GET", `/v1/${scopePath(scope)}/audit?limit=500&action=${action}`)).items as { targetId: string; before: any; after: any; actorId: string }[];
}
