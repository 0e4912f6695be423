import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { buildApp } from "../../server/app";
import { createAuthService } from "../../server/auth/service";
import { createScopeService } from "../../server/scopes/service";
import { createSecretBox } from "../../server/secrets";
import { freshDatabase, postgresReachable, type DbKind, type TestDatabase } from "./databases";

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this string as the body, as is. */
  rawBody?: string;
}

/** One request and its answer, as the service routed and sent it (for checking against the OpenAPI document). */
export interface Exchange {
  method: string;
  /** The route that answered, as Fastify spells it (`/v1/:kind/:id`); undefined when none matched. */
  route?: string;
  url: string;
  status: number;
  contentType?: string;
  body: string;
}

export interface StartOptions {
  rateLimit?: number;
  bodyLimit?: number;
  /** Keep every exchange in `exchanges`. */
  record?: boolean;
}

/** A service on a fresh database, driven through `app.inject()`, with every log line kept. */
export class TestApp {
  private constructor(
    /** Every line the service logged, for tests that search them. */
    readonly logLines: string[],
    readonly kind: DbKind,
    readonly database: TestDatabase,
    readonly app: FastifyInstance,
    readonly adminToken: string,
    private readonly recorder?: { exchanges: Exchange[]; routes: Map<string, string | undefined> },
  ) {}

  /** Every exchange made through call(), when started with `record`. */
  get exchanges(): Exchange[] {
    if (!this.recorder) throw new Error("start the TestApp with { record: true } to keep its exchanges");
    return this.recorder.exchanges;
  }

  static async start(kind: DbKind, opts: StartOptions = {}): Promise<TestApp> {
    const database = await freshDatabase(kind);
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const box = createSecretBox(randomBytes(32));
    const app = await buildApp({ db: database.db, box, rateLimit: opts.rateLimit ?? 1_000_000, bodyLimit: opts.bodyLimit, logger: { level: "info", stream } });
    const adminToken = `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
    await createAuthService(database.db, createScopeService(database.db)).bootstrap(adminToken);
    const exchanges: Exchange[] = [];
    const routes = new Map<string, string | undefined>();
    if (opts.record) {
      // The route that answered, by request id; the body is recorded as sent on the wire (call()).
      app.addHook("onSend", async (req) => {
        routes.set(req.id, req.routeOptions.url);
      });
    }
    return new TestApp(lines, kind, database, app, adminToken, opts.record ? { exchanges, routes } : undefined);
  }

  get db() {
    return this.database.db;
  }

  async call<T = any>(method: string, url: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? this.adminToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (opts.rawBody !== undefined) payload = opts.rawBody;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
    const res = await this.app.inject({ method: method as never, url, headers, payload });
    let body: unknown = undefined;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = res.body;
    }
    if (this.recorder) {
      const id = String(res.headers["x-request-id"]);
      const contentType = res.headers["content-type"];
      this.recorder.exchanges.push({ method, route: this.recorder.routes.get(id), url, status: res.statusCode, contentType: contentType === undefined ? undefined : String(contentType), body: res.body });
      this.recorder.routes.delete(id);
    }
    return { status: res.statusCode, body: body as T, headers: res.headers as Record<string, string | string[] | undefined>, raw: res.body };
  }

  get = <T = any>(url: string, opts?: CallOptions) => this.call<T>("GET", url, opts);
  post = <T = any>(url: string, body?: unknown, opts?: CallOptions) => this.call<T>("POST", url, { ...opts, body });
  patch = <T = any>(url: string, body?: unknown, opts?: CallOptions) => this.call<T>("PATCH", url, { ...opts, body });
  put = <T = any>(url: string, body?: unknown, opts?: CallOptions) => this.call<T>("PUT", url, { ...opts, body });
  del = <T = any>(url: string, opts?: CallOptions) => this.call<T>("DELETE", url, opts);

  /** Calls and insists on the status, failing with the response body to show what went wrong. */
  async expect<T = any>(status: number, method: string, url: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.call<T>(method, url, opts);
    if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${res.raw}`);
    return res.body;
  }

  // ---- building blocks for tests ----
  private counter = 0;
  unique(prefix: string) {
    this.counter += 1;
    return `${prefix}_${this.counter}_${randomBytes(2).toString("hex")}`;
  }

  tenant(handle = this.unique("t")) {
    return this.expect(201, "POST", "/v1/tenants", { body: { handle } });
  }
  org(tenantId: string, handle = this.unique("o")) {
    return this.expect(201, "POST", `/v1/tenants/${tenantId}/orgs`, { body: { handle } });
  }
  workspace(orgId: string, handle = this.unique("w")) {
    return this.expect(201, "POST", `/v1/orgs/${orgId}/workspaces`, { body: { handle } });
  }

  /** A tenant with one org and two workspaces. */
  async hierarchy() {
    const tenant = await this.tenant();
    const org = await this.org(tenant.id);
    const ws = await this.workspace(org.id);
    const ws2 = await this.workspace(org.id);
    return { tenant, org, ws, ws2 };
  }

  /** A new user holding `role` at the scope (if given), and a token acting for them. */
  async user(scope?: { path: string; role: string }) {
    const user = await this.expect(201, "POST", "/v1/users", { body: { handle: this.unique("u") } });
    if (scope) await this.expect(200, "PUT", `/v1/${scope.path}/members/${user.id}`, { body: { role: scope.role } });
    const token = await this.expect(201, "POST", "/v1/tokens", { body: { userId: user.id, name: "test" } });
    return { user, token: token.token as string };
  }

  /** Runs `fn` and answers what it returned with every statement the service sent meanwhile (through its `db.query`). */
  async recordStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: { sql: string; params?: readonly unknown[] }[] }> {
    const db = this.db;
    const query = db.query;
    const statements: { sql: string; params?: readonly unknown[] }[] = [];
    db.query = ((sql: string, params?: readonly unknown[]) => {
      statements.push({ sql, params });
      return query.call(db, sql, params);
    }) as typeof db.query;
    try {
      return { result: await fn(), statements };
    } finally {
      db.query = query;
    }
  }

  /**
   * Has the service authenticate each token until its cache holds them all and no change
   * notification is still on its way to empty it, as on a server under load: the next requests
   * with these tokens reach their handlers without a token lookup.
   */
  async warmTokens(tokens: readonly string[]) {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const token of tokens) await this.expect(200, "GET", "/v1/me", { token });
      const warmed = this.app.principalCache.size;
      await new Promise((r) => setTimeout(r, 20));
      if (warmed >= tokens.length && this.app.principalCache.size === warmed) return;
    }
    throw new Error("the service's token cache did not settle");
  }

  async close() {
    await this.app.close();
    await this.database.drop();
  }
}

export function scopePath(scope: { id: string; kind: string }): string {
  return `${scope.kind === "tenant" ? "tenants" : scope.kind === "org" ? "orgs" : "workspaces"}/${scope.id}`;
}

/**
 * Declares the suite once per database. The PostgreSQL run is skipped where no server is
 * reachable, except in CI (CI=true), where that is a failure.
 */
export function describeEachDb(title: string, body: (ctx: { readonly t: TestApp; kind: DbKind }) => void, opts: StartOptions = {}) {
  for (const kind of ["pglite", "postgres"] as DbKind[]) {
    if (process.env.SWITCHYARD_TEST_DB && process.env.SWITCHYARD_TEST_DB !== kind) continue;
    describe(`${title} [${kind}]`, function () {
      this.timeout(60_000);
      const holder: { t?: TestApp } = {};
      before(async function () {
        if (kind === "postgres" && !(await postgresReachable())) {
          if (process.env.CI) throw new Error("PostgreSQL is not reachable; CI requires it (see README)");
          this.skip();
        }
        holder.t = await TestApp.start(kind, opts);
      });
      after(async () => {
        await holder.t?.close();
      });
      body({
        get t() {
          if (!holder.t) throw new Error("test app not started");
          return holder.t;
        },
        kind,
      });
    });
  }
}
