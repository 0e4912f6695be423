import { expect } from "chai";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Db } from "../../../server/db/db";
import { loadMigrations, migrate } from "../../../server/db/migrate";
import { createPgDb } from "../../../server/db/pg";
import { createPgliteDb } from "../../../server/db/pglite";
import { ADMIN_URL, postgresReachable } from "../../helpers/databases";

/** An empty database of each kind (no template: migrations start from nothing). */
async function emptyDatabase(kind: "pglite" | "postgres"): Promise<{ open: () => Db; drop: () => Promise<void> }> {
  if (kind === "pglite") {
    const db = await createPgliteDb(undefined);
    return { open: () => db, drop: () => db.close() };
  }
  const name = `sy_migrate_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const opened: Db[] = [];
  return {
    open: () => {
      const db = createPgDb({ connectionString: url.toString(), max: 2 });
      opened.push(db);
      return db;
    },
    async drop() {
      for (const db of opened) await db.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

for (const kind of ["pglite", "postgres"] as const) {
  if (process.env.SWITCHYARD_TEST_DB && process.env.SWITCHYARD_TEST_DB !== kind) continue;
  describe(`migrations (SPEC §8) [${kind}]`, function () {
    this.timeout(60_000);
    let empty: Awaited<ReturnType<typeof emptyDatabase>>;
    beforeEach(async function () {
      if (kind === "postgres" && !(await postgresReachable())) {
        if (process.env.CI) throw new Error("PostgreSQL is not reachable");
        this.skip();
      }
      empty = await emptyDatabase(kind);
    });
    afterEach(async () => {
      await empty?.drop();
    });

    it("applies every migration once, in order; a second run applies nothing", async () => {
      const db = empty.open();
      const all = loadMigrations().map((m) => m.name);
      expect(await migrate(db)).to.deep.equal(all);
      expect(await migrate(db)).to.deep.equal([]);
      const { rows } = await db.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => r.name)).to.deep.equal(all);
    });

    it("a failing migration fails loudly and leaves nothing of the run applied", async () => {
      const db = empty.open();
      const broken = [
        { version: 1, name: "001_ok", sql: "CREATE TABLE first_table (id int)" },
        { version: 2, name: "002_broken", sql: "CREATE TABLE second_table (id int); SELECT no_such_function();" },
      ];
      let failed: unknown;
      try {
        await migrate(db, broken);
      } catch (err) {
        failed = err;
      }
      expect(failed, "migrate must throw").to.be.instanceOf(Error);
      const { rows } = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name IN ('first_table', 'second_table', 'schema_migrations')");
      expect(rows).to.deep.equal([]);
    });

    if (kind === "postgres") {
      it("two replicas migrating a fresh database at once: one applies everything, the other nothing, no error", async () => {
        const [a, b] = await Promise.all([migrate(empty.open()), migrate(empty.open())]);
        const all = loadMigrations().map((m) => m.name);
        expect([a, b].sort((x, y) => y.length - x.length)).to.deep.equal([all, []]);
        const { rows } = await empty.open().query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migrations");
        expect(rows[0].n).to.equal(all.length);
      });
    }
  });
}
