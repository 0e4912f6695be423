import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Runs the built service (dist/server/main.js) as a child process, so that the load generator
 * (autocannon, in the bench process) and the server are separate processes, on a free port with a
 * temporary data folder and, for PostgreSQL, a throwaway database dropped afterwards.
 */
export type BenchDb = "pglite" | "postgres";

export const ROOT = join(__dirname, "..", "..");
export const SERVER_ENTRY = join(ROOT, "dist", "server", "main.js");
/** Where benches leave figures and `npm run bench` its report (BENCH_OUT, default bench/out). */
export const OUT_DIR = process.env.BENCH_OUT || join(ROOT, "bench", "out");
export const PG_ADMIN_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/test";

/** `npm run build` once per process, unless BENCH_SKIP_BUILD=1 (e.g. when bench/run.ts already built). */
let built = false;
export function buildOnce(): void {
  if (built || process.env.BENCH_SKIP_BUILD === "1") return;
  const t0 = Date.now();
  process.stderr.write("bench: npm run build … ");
  const res = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (res.status !== 0) throw new Error(`npm run build failed:\n${res.stdout}\n${res.stderr}`);
  process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  built = true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface ServerOptions {
  db: BenchDb;
  /** Extra environment for the server (e.g. SWITCHYARD_DB_POOL). */
  env?: Record<string, string>;
  /** Extra node flags for the server, e.g. ["--cpu-prof", "--cpu-prof-dir=…"]. */
  nodeArgs?: string[];
}

export interface RunningServer {
  db: BenchDb;
  url: string;
  pid: number;
  adminToken: string;
  /** On PostgreSQL: the pids of the backends serving the bench database and of the shared writers. */
  postgresPids?: () => Promise<number[]>;
  /** The server's last output lines, for diagnostics. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<RunningServer>();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  const onSignal = (sig: NodeJS.Signals) => {
    void Promise.allSettled([...running].map((s) => s.stop())).finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  hookExit();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  const adminToken = `sy_benchadm_${randomBytes(16).toString("hex")}`;
  let dbName: string | undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    SWITCHYARD_PORT: String(port),
    SWITCHYARD_HOST: "127.0.0.1",
    SWITCHYARD_DATA_DIR: dataDir,
    SWITCHYARD_BOOTSTRAP_TOKEN: adminToken,
    SWITCHYARD_SECRET_KEY: randomBytes(32).toString("base64"),
    SWITCHYARD_RATE_LIMIT: "1000000000",
    SWITCHYARD_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    DATABASE_URL: "",
    ...(opts.env ?? {}),
  };
  if (opts.db === "postgres") {
    dbName = `sy_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${dbName}`);
    env.DATABASE_URL = withDatabase(PG_ADMIN_URL, dbName);
  }

  let tail = "";
  // BENCH_SERVER_LOG=<file> keeps the whole log (with SWITCHYARD_LOG_LEVEL=info, one line per request).
  const logFile = process.env.BENCH_SERVER_LOG;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVER_ENTRY], { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });

  let stopped: Promise<void> | undefined;
  const server: RunningServer = {
    db: opts.db,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    adminToken,
    output: () => tail,
    stop() {
      stopped ??= (async () => {
        if (alive) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          await exited;
          clearTimeout(timer);
        }
        if (dbName) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err: Error) => console.error(`bench: could not drop ${dbName}: ${err.message}`));
        rmSync(dataDir, { recursive: true, force: true });
        running.delete(server);
      })();
      return stopped;
    },
  };
  running.add(server);
  if (dbName) {
    const monitor = new pg.Client({ connectionString: PG_ADMIN_URL });
    let connected: Promise<unknown> | undefined;
    server.postgresPids = async () => {
      connected ??= monitor.connect();
      await connected;
      const { rows } = await monitor.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE (datname = $1 AND pid <> pg_backend_pid()) OR backend_type IN ('walwriter', 'checkpointer', 'background writer')",
        [dbName],
      );
      return rows.map((r) => r.pid);
    };
    const stop = server.stop;
    server.stop = async () => {
      if (connected) await monitor.end().catch(() => undefined);
      return stop();
    };
  }

  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!alive) throw new Error(`the server exited during start-up:\n${tail}`);
      try {
        const res = await fetch(`${server.url}/readyz`);
        if (res.status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`the server was not ready within 60 s:\n${tail}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
