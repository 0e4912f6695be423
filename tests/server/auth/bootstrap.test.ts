import { expect } from "chai";
import { createAuthService } from "../../../server/auth/service";
import { createPgDb } from "../../../server/db/pg";
import { createScopeService } from "../../../server/scopes/service";
import { freshDatabase, postgresReachable, type TestDatabase } from "../../helpers/databases";

/** SPEC §7.1: starting against an empty database creates one platform administrator. */
for (const kind of ["pglite", "postgres"] as const) {
  if (process.env.SWITCHYARD_TEST_DB && process.env.SWITCHYARD_TEST_DB !== kind) continue;
  describe(`bootstrapping the platform administrator [${kind}]`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    before(async function () {
      if (kind === "postgres" && !(await postgresReachable())) {
        if (process.env.CI) throw new Error("PostgreSQL is not reachable");
        this.skip();
      }
      database = await freshDatabase(kind);
    });
    after(async () => {
      await database?.drop();
    });

    it("replicas starting at once on an empty database create exactly one administrator and one token", async () => {
      // on PostgreSQL each replica has its own pool, as separate processes would
      const dbs = kind === "postgres" ? [0, 1, 2].map(() => createPgDb({ connectionString: database.url as string, max: 2 })) : [database.db, database.db, database.db];
      try {
        const results = await Promise.all(dbs.map((db) => createAuthService(db, createScopeService(db)).bootstrap()));
        expect(results.filter((r) => r.created)).to.have.length(1);
        const { rows } = await database.db.query<{ admins: number; tokens: number }>("SELECT (SELECT count(*)::int FROM users WHERE is_admin) AS admins, (SELECT count(*)::int FROM tokens) AS tokens");
        expect(rows[0]).to.deep.equal({ admins: 1, tokens: 1 });
        const token = results.find((r) => r.created)?.token as string;
        const auth = createAuthService(database.db, createScopeService(database.db));
        expect((await auth.authenticate(token)).isAdmin).to.equal(true);
      } finally {
        if (kind === "postgres") for (const db of dbs) await db.close();
      }
    });

    it("a configured token is honoured on the first start only: later starts keep the existing administrator", async () => {
      const auth = createAuthService(database.db, createScopeService(database.db));
      const later = await auth.bootstrap("sy_later_configured_token_0123456789");
      expect(later).to.deep.equal({ created: false });
      let refused = false;
      try {
        await auth.authenticate("sy_later_configured_token_0123456789");
      } catch {
        refused = true;
      }
      expect(refused).to.equal(true);
    });
  });
}
