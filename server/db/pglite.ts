import { parse, PGlite, protocol, type Results } from "@electric-sql/pglite";
import type { Db, Queryable } from "./db";
import { MAX_PREPARED, preparable } from "./db";

type BackendMessage = Awaited<ReturnType<PGlite["execProtocol"]>>["messages"][number];

/** A statement parsed once under its name, with what its Describe told. */
interface Prepared {
  name: string;
  /** The parameters' type oids, which choose each value's serializer. */
  paramTypes: number[];
  /** The result's columns (none for a statement without rows). */
  rowDescription?: BackendMessage;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The embedded database: PostgreSQL compiled to WebAssembly, in this process. It has one
 * connection, so PGlite itself queues transactions one after another. `dataDir` undefined
 * means in memory (tests).
 *
 * Parameterised statements run as named prepared statements (which ones: `preparable`, db.ts),
 * as on PostgreSQL. PGlite's own `query` sends every statement through six calls into the
 * WebAssembly module (Parse, Describe statement, Bind, Describe portal, Execute, Sync), parsing and
 * planning it each time; here a statement is parsed and described once, then each call is one
 * message (Bind, Execute, Sync) through PGlite's public `execProtocol`, its rows read with PGlite's
 * own parsers and the Describe kept from the first time. That is 3-5 times less CPU per point
 * query (bench/connections.ts; docs/operations.md, Throughput). Like `query`, it holds PGlite's
 * transaction lock outside a transaction (so it never runs inside another caller's transaction)
 * and its query lock always, and writes to the file system after a statement outside a
 * transaction.
 */
export async function createPgliteDb(dataDir: string | undefined, loadDataDir?: Blob): Promise<Db & { pglite: PGlite; written: () => number }> {
  const pglite = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
  // Rows inserted, updated or deleted since opening (rolled back ones too), for maintenance.ts.
  let written = 0;
  const prepared = new Map<string, Prepared>();

  async function prepare(sql: string): Promise<Prepared> {
    const name = `sy_${prepared.size + 1}`;
    const { serialize } = protocol;
    const { messages } = await pglite.execProtocol(concat([serialize.parse({ name, text: sql }), serialize.describe({ type: "S", name }), serialize.sync()]), { syncToFs: false });
    const p = { name, paramTypes: parse.parseDescribeStatementResults(messages), rowDescription: messages.find((m) => m.name === "rowDescription") };
    prepared.set(sql, p);
    return p;
  }

  /** Runs a prepared statement; the caller holds PGlite's query lock. */
  async function runPrepared(sql: string, params: readonly unknown[], inTransaction: boolean): Promise<Results<Record<string, unknown>>> {
    if (pglite.closed) throw new Error("PGlite is closed");
    const p = prepared.get(sql) ?? (await prepare(sql));
    const values = params.map((v, i) => (v === null || v === undefined ? null : (pglite.serializers[p.paramTypes[i]] ?? String)(v)));
    const { serialize } = protocol;
    const { messages } = await pglite.execProtocol(concat([serialize.bind({ statement: p.name, values }), serialize.execute({}), serialize.sync()]), { syncToFs: false });
    const [res] = parse.parseResults(p.rowDescription ? [p.rowDescription, ...messages] : messages, pglite.parsers) as Results<Record<string, unknown>>[];
    if (!inTransaction) await pglite.syncToFs();
    return res;
  }

  const fast = (sql: string, params: readonly unknown[] | undefined) => params !== undefined && params.length > 0 && preparable(sql) && (prepared.has(sql) || prepared.size < MAX_PREPARED);

  const result = (res: Results<Record<string, unknown>>) => {
    written += res.affectedRows ?? 0;
    return { rows: res.rows as never[], rowCount: res.affectedRows ?? res.rows.length };
  };

  const query: Queryable["query"] = async (sql, params) => {
    if (fast(sql, params)) return result(await pglite._runExclusiveTransaction(() => pglite.runExclusive(() => runPrepared(sql, params as unknown[], false))));
    return result(await pglite.query<Record<string, unknown>>(sql, params as unknown[]));
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
            if (t.closed) throw new Error("Transaction is closed");
            if (fast(sql, params)) return result(await pglite.runExclusive(() => runPrepared(sql, params as unknown[], true)));
            return result(await t.query<Record<string, unknown>>(sql, params as unknown[]));
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
