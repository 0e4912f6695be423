import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { buildApp } from "../../../server/app";
import { AUTH_CHANNEL } from "../../../server/auth/cache";
import { createAuthService } from "../../../server/auth/service";
import type { Db, NotifyHandlers } from "../../../server/db/db";
import { createPgDb } from "../../../server/db/pg";
import { createScopeService } from "../../../server/scopes/service";
import { createSecretBox } from "../../../server/secrets";
import { describeEachDb } from "../../helpers/app";
import { freshDatabase, postgresReachable, type TestDatabase } from "../../helpers/databases";

/**
 * The cache of authenticated tokens (server/auth/cache.ts) never outlives a revocation or a role
 * change: on the replica that made it, at once; on another replica, as soon as the database's
 * notification reaches it; and not at all while notifications cannot reach it.
 */
describeEachDb("token cache: a change to a token or a role is seen at once by the replica that made it", (ctx) => {
  it("a used (so cached) token that is revoked answers 401 on its next request", async () => {
    const { user, token } = await ctx.t.user();
    const other = await ctx.t.expect(201, "POST", "/v1/tokens", { token, body: { userId: user.id, name: "second" } });
    expect((await ctx.t.get("/v1/me", { token: other.token })).status).to.equal(200);
    await ctx.t.expect(204, "DELETE", `/v1/tokens/${other.id}`, { token });
    expect((await ctx.t.get("/v1/me", { token: other.token })).status).to.equal(401);
  });

  it("a role granted or withdrawn applies to the next request of a cached token", async () => {
    const tenant = await ctx.t.tenant();
    const { user, token } = await ctx.t.user();
    expect((await ctx.t.get(`/v1/tenants/${tenant.id}`, { token })).status).to.equal(404);
    await ctx.t.expect(200, "PUT", `/v1/tenants/${tenant.id}/members/${user.id}`, { body: { role: "viewer" } });
    expect((await ctx.t.get(`/v1/tenants/${tenant.id}`, { token })).status).to.equal(200);
    await ctx.t.expect(204, "DELETE", `/v1/tenants/${tenant.id}/members/${user.id}`, { headers: { "if-match": '"1"' } });
    expect((await ctx.t.get(`/v1/tenants/${tenant.id}`, { token })).status).to.equal(404);
  });
});

/**
 * A replica's database whose notifications the test can hold back and release, to look at the
 * replica between a change and its notification, and `sync`, which waits until everything notified
 * before it has arrived (a listener receives notifications in commit order).
 */
function controlledNotifications(db: Db) {
  let hold = false;
  const held: (() => void)[] = [];
  let heldOne: (() => void) | undefined;
  const barriers = new Map<string, () => void>();
  const live: NotifyHandlers["live"][] = [];
  const wrapped: Db = {
    ...db,
    async listen(channel, h) {
      if (!db.listen) throw new Error("this database cannot listen");
      live.push(h.live);
      return db.listen(channel, {
        notify(payload) {
          const barrier = barriers.get(payload);
          if (barrier) {
            barriers.delete(payload);
            barrier();
          } else if (hold) {
            held.push(() => h.notify(payload));
            heldOne?.();
          } else h.notify(payload);
        },
        live: h.live,
      });
    },
  };
  return {
    db: wrapped,
    async sync(sender: Db) {
      const tag = `barrier_${randomBytes(4).toString("hex")}`;
      const arrived = new Promise<void>((resolve) => barriers.set(tag, resolve));
      await sender.query("SELECT pg_notify($1, $2)", [AUTH_CHANNEL, tag]);
      await arrived;
    },
    hold() {
      hold = true;
    },
    /** Waits until a notification was held back, then delivers every one held. */
    async release() {
      if (held.length === 0) await new Promise<void>((resolve) => (heldOne = resolve));
      hold = false;
      for (const deliver of held.splice(0)) deliver();
    },
    /** What a lost listening connection reports. */
    down: () => live.forEach((l) => l(false)),
  };
}

describe("token cache across replicas on one PostgreSQL", function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let bDb: Db;
  let held: ReturnType<typeof controlledNotifications>;
  let admin: string;

  before(async function () {
    if (process.env.SWITCHYARD_TEST_DB === "pglite") this.skip();
    if (!(await postgresReachable())) {
      if (process.env.CI) throw new Error("PostgreSQL is not reachable; CI requires it (see README)");
      this.skip();
    }
    database = await freshDatabase("postgres");
    admin = `sy_admin${randomBytes(6).toString("hex")}_${randomBytes(16).toString("hex")}`;
    await createAuthService(database.db, createScopeService(database.db)).bootstrap(admin);
    const key = createSecretBox(randomBytes(32));
    a = await buildApp({ db: database.db, box: key, rateLimit: 1_000_000 });
    bDb = createPgDb({ connectionString: database.url as string, max: 4 });
    held = controlledNotifications(bDb);
    b = await buildApp({ db: held.db, box: key, rateLimit: 1_000_000 });
  });
  after(async () => {
    await b?.close();
    await bDb?.close();
    await a?.close();
    await database?.drop();
  });

  const call = async (app: FastifyInstance, method: "GET" | "POST" | "DELETE", url: string, token: string, body?: unknown) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, payload: body ? JSON.stringify(body) : undefined });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };

  async function userToken() {
    const user = (await call(a, "POST", "/v1/users", admin, { handle: `u_${randomBytes(3).toString("hex")}` })).body;
    const token = (await call(a, "POST", "/v1/tokens", admin, { userId: user.id, name: "t" })).body;
    return { user, token: token.token as string, id: token.id as string };
  }

  it("a token revoked on one replica is refused by another once the notification arrives (held back: still served from the cache)", async () => {
    const t = await userToken();
    await held.sync(database.db);
    expect((await call(b, "GET", "/v1/me", t.token)).status).to.equal(200);
    held.hold();
    expect((await call(a, "DELETE", `/v1/tokens/${t.id}`, t.token)).status).to.equal(204);
    // The notification is held back: replica B still has the token cached, which shows the cache is
    // what this test is about. (Without the hold, B answers 401 about one round trip after the commit.)
    expect((await call(b, "GET", "/v1/me", t.token)).status).to.equal(200);
    await held.release();
    const refused = await call(b, "GET", "/v1/me", t.token);
    expect(refused.status).to.equal(401);
    expect(refused.body.error.message).to.contain("revoked");
  });

  it("while notifications cannot arrive (listening connection lost), nothing is served from the cache", async () => {
    const t = await userToken();
    expect((await call(b, "GET", "/v1/me", t.token)).status).to.equal(200);
    held.hold();
    held.down();
    expect(b.principalCache.size).to.equal(0);
    expect((await call(a, "DELETE", `/v1/tokens/${t.id}`, t.token)).status).to.equal(204);
    expect((await call(b, "GET", "/v1/me", t.token)).status).to.equal(401);
  });
});
