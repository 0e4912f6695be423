import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/**
 * A PostgreSQL cluster of a test's own, to stop and start at will: initdb in a temporary folder,
 * on a free port of 127.0.0.1, its socket in that folder, removed with `remove()`. Never the
 * machine's shared server. initdb refuses to run as root, so as root the cluster runs as the
 * `postgres` user (its folder chowned to it).
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  dir: string;
  start(): void;
  /** `pg_ctl stop -m fast`: sessions are ended (57P01) and the server exits. */
  stop(): void;
  running(): boolean;
  remove(): void;
}

/** The newest PostgreSQL server binaries installed (Debian layout), or undefined. */
export function postgresBinaries(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], "bin") : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<PrivatePostgres>();
process.once("exit", () => {
  for (const pg of live) pg.remove();
});

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "sy-private-pg-"));
  const data = join(dir, "data");
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? "runuser" : join(bin, tool);
    const argv = asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args;
    const res = spawnSync(cmd, argv, { encoding: "utf8", cwd: dir });
    if (res.status !== 0) throw new Error(`${tool} ${args.join(" ")} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  };
  if (asRoot) {
    const pgUser = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
    const pgGroup = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
    chownSync(dir, Number(pgUser), Number(pgGroup));
  }
  const port = await freePort();
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${dir}' -c shared_buffers=32MB -c max_connections=100 -c fsync=on`;
  let up = false;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start() {
      run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
      up = true;
    },
    stop() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
      up = false;
    },
    running: () => up,
    remove() {
      if (up) {
        try {
          cluster.stop();
        } catch {
          /* already down */
        }
      }
      rmSync(dir, { recursive: true, force: true });
      live.delete(cluster);
    },
  };
  live.add(cluster);
  cluster.start();
  return cluster;
}
