import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { buildApp } from "../../server/app";
import { isDatabaseUnavailable } from "../../server/db/db";
import { createPgDb } from "../../server/db/pg";
import { createSecretBox } from "../../server/secrets";
import { runCrash, runOutage, type WriteCheck } from "../helpers/faults";
import { postgresBinaries, startPrivatePostgres } from "../helpers/private-postgres";

/**
 * Outages and crashes (SPEC §7.1, §7.2): small versions of `npm run proof:faults`. The PostgreSQL
 * runs use a private cluster of their own (tests/helpers/private-postgres.ts), stopped and
 * started at will, never the machine's shared server.
 */
const havePostgres = () => postgresBinaries() !== undefined;
function needPostgres(this: Mocha.Context) {
  if (havePostgres()) return;
  if (process.env.CI) throw new Error("the PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin)");
  this.skip();
}

function expectWritesKept(w: WriteCheck) {
  expect(w.acknowledged, "acknowledged creates").to.be.greaterThan(0);
  expect(w.lost, "acknowledged creates not found").to.deep.equal([]);
  expect(w.neverDone, "creates still refused after retries with their Idempotency-Key").to.deep.equal([]);
  expect(w.duplicates, "handles with other than one connection").to.deep.equal([]);
  expect(w.halfDone, "connections without exactly one create record in the audit log").to.deep.equal([]);
  expect(w.idMismatch, "retries answering another id").to.deep.equal([]);
  expect(w.connections, "one connection per create sent").to.equal(w.sent);
}

describe("a PostgreSQL outage (SPEC §7.1)", function () {
  this.timeout(60_000);
  before(needPostgres);

  it("while it is down every request answers 503 service_unavailable with Retry-After, promptly; it recovers without a restart and keeps every acknowledged write; the SDK client rides through", async () => {
    const f = await runOutage({ outageMs: 3_000, writers: 3, warmupAcks: 20 });
    expect(f.byStatus["500"] ?? 0, "500s").to.equal(0);
    expect(f.duringOutage.answered, "answers during the outage").to.be.greaterThan(10);
    expect(f.duringOutage.other, "answers other than 503 service_unavailable during the outage").to.deep.equal([]);
    expect(f.duringOutage.withoutRetryAfter, "503s without Retry-After").to.equal(0);
    // bounded by the 1 s connect timeout, with room for a busy machine
    expect(f.duringOutage.maxMs, "the slowest answer during the outage, ms").to.be.below(10_000);
    expect(f.readyzDuringOutage.length).to.be.greaterThan(0);
    expect([...new Set(f.readyzDuringOutage)], "/readyz during the outage").to.deep.equal([503]);
    expectWritesKept(f.writes);
    expect(f.sdk.error, "the SDK client's create").to.equal(undefined);
    expect(f.sdk.stored, "the SDK client's create is stored").to.equal(true);
  });

  it("a statement that outlives the statement timeout answers 503, and the pool goes on", async () => {
    const cluster = await startPrivatePostgres();
    const db = createPgDb({ connectionString: cluster.url, max: 2, statementTimeoutMs: 200 });
    try {
      const err = await db.query("SELECT pg_sleep(2)").then(() => undefined, (e: unknown) => e);
      expect(err, "the slow statement must fail").to.be.instanceOf(Error);
      expect(isDatabaseUnavailable(err)).to.equal(true);
      expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).to.deep.equal([{ one: 1 }]);
    } finally {
      await db.close();
      cluster.remove();
    }
  });
});

describe("a database that accepts connections but never answers", function () {
  this.timeout(30_000);
  let silent: Server;
  const sockets = new Set<Socket>();
  before(async () => {
    silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("answers 503 within the connect timeout instead of hanging, on every route and /readyz", async () => {
    const { port } = silent.address() as { port: number };
    const db = createPgDb({ connectionString: `postgres://postgres@127.0.0.1:${port}/x`, max: 2, connectTimeoutMs: 500 });
    const app = await buildApp({ db, box: createSecretBox(randomBytes(32)), logger: false });
    try {
      for (const [method, url] of [["GET", "/v1/me"], ["POST", "/v1/tenants"], ["GET", "/readyz"]] as const) {
        const started = Date.now();
        const res = await app.inject({ method, url, headers: { authorization: "Bearer sy_whatever_0123456789abcdef" }, payload: method === "POST" ? { handle: "t" } : undefined });
        expect(res.statusCode, url).to.equal(503);
        expect(Date.now() - started, `${url}: ms`).to.be.below(5_000);
        if (url !== "/readyz") {
          expect(res.json().error.code).to.equal("service_unavailable");
          expect(res.headers["retry-after"]).to.equal("2");
        }
      }
    } finally {
      await app.close();
      await db.close();
    }
  });
});

for (const database of ["pglite", "postgres"] as const) {
  describe(`kill -9 of the service in a stream of writes [${database}]`, function () {
    this.timeout(120_000);
    before(function () {
      if (database === "postgres") needPostgres.call(this);
    });

    it("restarts at once; every acknowledged create is there, none half-done, and retries with the same Idempotency-Key end with exactly one of each", async () => {
      const f = await runCrash({ database, writers: 4, killAfterAcks: 10, rounds: 1 });
      expect(f.refused, "restarts refused").to.deep.equal([]);
      expect(f.restartMs).to.have.length(1);
      expectWritesKept(f.writes);
    });
  });
}
