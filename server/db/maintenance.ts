import type { Db } from "./db";

/**
 * PGlite has no autovacuum: the rows that deletes and updates leave behind stay in the tables, and
 * the planner's statistics go stale, until someone runs VACUUM and ANALYZE. This does it, off the
 * request path, when `writes` rows were written since the last run, or `intervalMs` after the
 * last run if anything was written at all. PGlite runs one statement at a time, so requests that
 * arrive during a run wait for it (a few ms on a small database). PostgreSQL has autovacuum and
 * needs none of this.
 */
export interface MaintenanceOptions {
  intervalMs: number;
  writes: number;
  /** How often to look at the counter (default 1 s). */
  checkMs?: number;
  log?: (line: string) => void;
}

export interface Maintenance {
  /** Runs VACUUM (ANALYZE) now; resolves when done. */
  run(): Promise<void>;
  /** How many runs so far. */
  runs(): number;
  stop(): Promise<void>;
}

/** `written()` answers the number of rows written since the database was opened. */
export function startMaintenance(db: Pick<Db, "execScript">, written: () => number, opts: MaintenanceOptions): Maintenance {
  let at = written();
  let last = Date.now();
  let runs = 0;
  let running: Promise<void> | undefined;
  let stopped = false;

  const run = () => {
    running ??= (async () => {
      const before = written();
      try {
        // Every table of the service's schema: the database is small, and one statement is
        // simpler than choosing (PGlite keeps no per-table counts of dead rows to choose from).
        await db.execScript("VACUUM (ANALYZE)");
        runs++;
      } catch (err) {
        opts.log?.(`switchyard: maintenance (VACUUM ANALYZE) failed: ${(err as Error).message}`);
      } finally {
        at = before;
        last = Date.now();
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => {
    const pending = written() - at;
    if (stopped || running || pending === 0) return;
    if (pending >= opts.writes || Date.now() - last >= opts.intervalMs) void run();
  }, opts.checkMs ?? 1000);
  timer.unref();

  return {
    run,
    runs: () => runs,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
