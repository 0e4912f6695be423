import { PGlite } from "@electric-sql/pglite";
import type { Db, Queryable } from "./db";

/**
 * The embedded database: PostgreSQL compiled to WebAssembly, in this process. It has one
 * connection, so PGlite itself queues transactions one after another. `dataDir` undefined
 * means in memory (tests).
 */
export async function createPgliteDb(dataDir: string | undefined, loadDataDir?: Blob): Promise<Db & { pglite: PGlite; written: () => number }> {
  const pglite = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
  // Rows inserted, updated or deleted since opening (rolled back ones too), for maintenance.ts.
  let written = 0;
  const query: Queryable["query"] = async (sql, params) => {
    const res = await pglite.query<Record<string, unknown>>(sql, params as unknown[]);
    written += res.affectedRows ?? 0;
    return { rows: res.rows as never[], rowCount: res.affectedRows ?? res.rows.length };
  };
  return {
    kind: "pglite",
    pglite,
    written: () => written,
    query,
    async execScript(sql) {
      await pglite.exec(sql);
    },
    transaction(fn) {
      return pglite.transaction(async (t) =>
        fn({
          query: async (sql, params) => {
            const res = await t.query<Record<string, unknown>>(sql, params as unknown[]);
            written += res.affectedRows ?? 0;
            return { rows: res.rows as never[], rowCount: res.affectedRows ?? res.rows.length };
          },
          execScript: async (sql) => {
            await t.exec(sql);
          },
        }),
      );
    },
    // One process holds the database (data-dir-lock.ts), and PGlite delivers its notifications in
    // this process: delivery never stops while it is open.
    async listen(channel, handlers) {
      const unlisten = await pglite.listen(channel, (payload) => handlers.notify(payload));
      handlers.live(true);
      return async () => {
        handlers.live(false);
        if (!pglite.closed) await unlisten();
      };
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
