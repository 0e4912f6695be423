import type { ScopeKind } from "../../contract/ids";
import { scopePath, type TestApp } from "./app";

/**
 * Every route of the scopes, people, connections and audit areas, as data: the role-matrix test
 * and the fuzz tests are generated from this table, and a test checks it against the routes the
 * service registers (its OpenAPI document), so a new route cannot go unguarded.
 */
export type Needs = "viewer" | "editor" | "operator" | "owner";

/** The objects a scoped route is called on: one scope and what lives in it. */
export interface Target {
  scope: { id: string; kind: ScopeKind };
  /** `tenants/{id}`, `orgs/{id}` or `workspaces/{id}`. */
  path: string;
  connection: { id: string; handle: string };
  /** A user who is a member (viewer) of the scope and is only ever a bystander. */
  memberId: string;
  /** A service token bound to the scope. */
  serviceTokenId: string;
  /** An integration of the scope (tenants and organizations only). */
  integration?: { id: string; handle: string };
}

export interface ScopedRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The route as the OpenAPI document spells it. */
  openapi: string;
  /** The scope levels the route applies to. */
  levels: ScopeKind[];
  needs: Needs;
  url: (t: Target) => string;
  body?: (t: Target, n: number) => unknown;
  /**
   * Mutations of existing objects send a stale If-Match, so a caller who passes the role check
   * gets 412 and the fixture stays as it is; creates and reads answer their usual status.
   */
  staleIfMatch?: boolean;
  allowed: number;
}

const ALL: ScopeKind[] = ["tenant", "org", "workspace"];
/** Scopes that own integrations. */
const OWNERS: ScopeKind[] = ["tenant", "org"];

export const SCOPED_ROUTES: ScopedRoute[] = [
  { method: "GET", openapi: "/v1/{kind}/{id}", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}`, allowed: 200 },
  { method: "PATCH", openapi: "/v1/{kind}/{id}", levels: ALL, needs: "owner", url: (t) => `/v1/${t.path}`, body: () => ({ title: "renamed" }), staleIfMatch: true, allowed: 412 },
  { method: "DELETE", openapi: "/v1/{kind}/{id}", levels: ALL, needs: "owner", url: (t) => `/v1/${t.path}`, staleIfMatch: true, allowed: 412 },
  { method: "GET", openapi: "/v1/{kind}/{id}/children", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/children`, allowed: 200 },
  { method: "POST", openapi: "/v1/tenants/{id}/orgs", levels: ["tenant"], needs: "owner", url: (t) => `/v1/tenants/${t.scope.id}/orgs`, body: (_t, n) => ({ handle: `matrix_org_${n}` }), allowed: 201 },
  { method: "POST", openapi: "/v1/orgs/{id}/workspaces", levels: ["org"], needs: "owner", url: (t) => `/v1/orgs/${t.scope.id}/workspaces`, body: (_t, n) => ({ handle: `matrix_ws_${n}` }), allowed: 201 },
  { method: "GET", openapi: "/v1/{kind}/{id}/members", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/members`, allowed: 200 },
  { method: "GET", openapi: "/v1/{kind}/{id}/members/{userId}", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/members/${t.memberId}`, allowed: 200 },
  { method: "PUT", openapi: "/v1/{kind}/{id}/members/{userId}", levels: ALL, needs: "owner", url: (t) => `/v1/${t.path}/members/${t.memberId}`, body: () => ({ role: "editor" }), staleIfMatch: true, allowed: 412 },
  { method: "DELETE", openapi: "/v1/{kind}/{id}/members/{userId}", levels: ALL, needs: "owner", url: (t) => `/v1/${t.path}/members/${t.memberId}`, staleIfMatch: true, allowed: 412 },
  { method: "POST", openapi: "/v1/tokens", levels: ALL, needs: "owner", url: () => "/v1/tokens", body: (t) => ({ scopeId: t.scope.id, role: "viewer", name: "matrix" }), allowed: 201 },
  { method: "DELETE", openapi: "/v1/tokens/{id}", levels: ALL, needs: "owner", url: (t) => `/v1/tokens/${t.serviceTokenId}`, allowed: 204 },
  { method: "GET", openapi: "/v1/{kind}/{id}/connections", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/connections`, allowed: 200 },
  { method: "POST", openapi: "/v1/{kind}/{id}/connections", levels: ALL, needs: "operator", url: (t) => `/v1/${t.path}/connections`, body: () => ({ plugin: "custom", config: { region: "eu" } }), allowed: 201 },
  { method: "POST", openapi: "/v1/{kind}/{id}/connections/test", levels: ALL, needs: "operator", url: (t) => `/v1/${t.path}/connections/test`, body: () => ({ plugin: "custom", config: {} }), allowed: 200 },
  { method: "GET", openapi: "/v1/connections/{id}", levels: ALL, needs: "viewer", url: (t) => `/v1/connections/${t.connection.id}`, allowed: 200 },
  { method: "PATCH", openapi: "/v1/connections/{id}", levels: ALL, needs: "operator", url: (t) => `/v1/connections/${t.connection.id}`, body: () => ({ title: "renamed" }), staleIfMatch: true, allowed: 412 },
  { method: "DELETE", openapi: "/v1/connections/{id}", levels: ALL, needs: "operator", url: (t) => `/v1/connections/${t.connection.id}?dryRun=true`, allowed: 200 },
  { method: "DELETE", openapi: "/v1/connections/{id}", levels: ALL, needs: "operator", url: (t) => `/v1/connections/${t.connection.id}?confirm=${t.connection.handle}`, staleIfMatch: true, allowed: 412 },
  { method: "POST", openapi: "/v1/connections/{id}/test", levels: ALL, needs: "editor", url: (t) => `/v1/connections/${t.connection.id}/test`, allowed: 200 },
  { method: "GET", openapi: "/v1/{kind}/{id}/integrations", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/integrations`, allowed: 200 },
  { method: "POST", openapi: "/v1/{kind}/{id}/integrations", levels: OWNERS, needs: "owner", url: (t) => `/v1/${t.path}/integrations`, body: (_t, n) => ({ type: "aws", handle: `matrix_int_${n}`, config: { connection: { config: {} } } }), allowed: 201 },
  { method: "GET", openapi: "/v1/integrations/{id}", levels: OWNERS, needs: "viewer", url: (t) => `/v1/integrations/${t.integration!.id}`, allowed: 200 },
  { method: "PATCH", openapi: "/v1/integrations/{id}", levels: OWNERS, needs: "owner", url: (t) => `/v1/integrations/${t.integration!.id}`, body: () => ({ title: "renamed" }), staleIfMatch: true, allowed: 412 },
  { method: "DELETE", openapi: "/v1/integrations/{id}", levels: OWNERS, needs: "owner", url: (t) => `/v1/integrations/${t.integration!.id}?dryRun=true`, allowed: 200 },
  { method: "DELETE", openapi: "/v1/integrations/{id}", levels: OWNERS, needs: "owner", url: (t) => `/v1/integrations/${t.integration!.id}?confirm=${t.integration!.handle}`, staleIfMatch: true, allowed: 412 },
  {
    method: "POST",
    openapi: "/v1/integrations/{id}/sync",
    levels: OWNERS,
    needs: "owner",
    url: (t) => `/v1/integrations/${t.integration!.id}/sync?dryRun=true`,
    body: () => ({ cloud: "aws", nodes: [{ id: "r-root", kind: "folder", name: "Root", parentId: null }, { id: "123456789012", kind: "leaf", name: "prod", parentId: "r-root" }] }),
    allowed: 200,
  },
  { method: "GET", openapi: "/v1/{kind}/{id}/audit", levels: ALL, needs: "viewer", url: (t) => `/v1/${t.path}/audit`, allowed: 200 },
];

/** Routes that need no scope: who may call them depends on the caller alone. */
export interface UnscopedRoute {
  method: "GET" | "POST";
  openapi: string;
  /** "any": every authenticated caller; "owner-somewhere": owners of any scope; "admin": platform administrators. */
  needs: "any" | "owner-somewhere" | "admin";
  url: string;
  body?: (self: { userId: string }, n: number) => unknown;
  allowed: number;
}

export const UNSCOPED_ROUTES: UnscopedRoute[] = [
  { method: "GET", openapi: "/v1/me", needs: "any", url: "/v1/me", allowed: 200 },
  { method: "GET", openapi: "/v1/plugins", needs: "any", url: "/v1/plugins", allowed: 200 },
  { method: "GET", openapi: "/v1/tenants", needs: "any", url: "/v1/tenants", allowed: 200 },
  { method: "POST", openapi: "/v1/tokens", needs: "any", url: "/v1/tokens", body: (self) => ({ userId: self.userId, name: "own" }), allowed: 201 },
  { method: "POST", openapi: "/v1/users", needs: "owner-somewhere", url: "/v1/users", body: (_s, n) => ({ handle: `matrix_user_${n}` }), allowed: 201 },
  { method: "POST", openapi: "/v1/tenants", needs: "admin", url: "/v1/tenants", body: (_s, n) => ({ handle: `matrix_tenant_${n}` }), allowed: 201 },
];

/** Service routes, public by design. */
export const PUBLIC_ROUTES = ["GET /healthz", "GET /readyz"];

/** Routes of the sharing model (folders, grants, attachments, a workspace's view): guarded by their own tests. */
export const SHARING_ROUTE = /^\/v1\/(folders|grants|attachments)\b|\/(folders|tree|grants|attachments|schemas|credentials)\b|^\/v1\/workspaces\/\{id\}\/connections|^\/v1\/connections\/\{id\}\/workspaces$/;

/** Makes a scope into a route target: a connection in it, a bystander member and a service token. */
export async function makeTarget(t: TestApp, scope: { id: string; kind: ScopeKind }, bystanderId: string): Promise<Target> {
  const path = scopePath(scope);
  const connection = await t.expect(201, "POST", `/v1/${path}/connections`, { body: { plugin: "custom", handle: "matrix_conn", config: {} } });
  await t.expect(200, "PUT", `/v1/${path}/members/${bystanderId}`, { body: { role: "viewer" } });
  const svc = await t.expect(201, "POST", "/v1/tokens", { body: { scopeId: scope.id, role: "viewer", name: "bystander" } });
  const integration =
    scope.kind === "workspace"
      ? undefined
      : await t.expect(201, "POST", `/v1/${path}/integrations`, { body: { type: "aws", handle: `mi_${scope.id.split("_")[1]}`, config: { connection: { config: {} } } } });
  return { scope, path, connection, memberId: bystanderId, serviceTokenId: svc.id, integration: integration && { id: integration.id, handle: integration.handle } };
}

/** A route's URL template with placeholders, for test names. */
export function routeLabel(route: ScopedRoute, level: ScopeKind): string {
  const segment = level === "tenant" ? "tenants" : level === "org" ? "orgs" : "workspaces";
  return `${route.method} ${route.url({ scope: { id: "{id}", kind: level }, path: `${segment}/{id}`, connection: { id: "{conn}", handle: "{handle}" }, memberId: "{user}", serviceTokenId: "{tok}", integration: { id: "{int}", handle: "{handle}" } })}`;
}
