import { mkdirSync, rmSync, statSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";

/**
 * PGlite keeps its files in a folder that only one process may open: a second one would corrupt
 * it. The folder is guarded by a lock the kernel holds for the process and drops when the process
 * ends, however it ends (kill -9 included), so a restart never finds a stale lock:
 *
 * - on Linux, a listening Unix socket in the abstract namespace named after the folder's device
 *   and inode (so every path to the folder names the same lock). The kernel frees the name with
 *   the socket; there is no file to go stale. It needs no native addon, so the package installs
 *   anywhere and runs on every Node.js it supports.
 * - elsewhere, a Unix socket file `switchyard.sock` in the folder: a file left by a dead process
 *   refuses connections and is replaced.
 *
 * A process that finds the lock held asks the holder for its pid (the socket answers it) and
 * names it in the message. Node opens sockets close-on-exec, so a child never inherits the lock.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const st = statSync(dataDir);
  const address = process.platform === "linux" ? `\0switchyard-data-dir:${st.dev}:${st.ino}` : join(dataDir, "switchyard.sock");
  let server: Server;
  try {
    server = await listen(address);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    const holder = await askHolder(address);
    if (holder === "gone" && !address.startsWith("\0")) {
      rmSync(address, { force: true }); // a socket file left by a process that died
      server = await listen(address);
    } else {
      const pid = holder === "gone" ? "unknown" : holder;
      throw new Error(
        `the embedded database in ${dataDir} is in use by another Switchyard process (pid ${pid}). Stop that process, or give this one its own SWITCHYARD_DATA_DIR, or point both at a PostgreSQL server with DATABASE_URL.`,
      );
    }
  }
  server.unref(); // the lock must not keep the process alive
  let released = false;
  return () => {
    if (released) return;
    released = true;
    server.close();
    if (!address.startsWith("\0")) rmSync(address, { force: true });
  };
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    server.once("error", reject);
    server.listen({ path: address, exclusive: true }, () => {
      server.off("error", reject);
      server.on("error", () => undefined); // a connection's failure is not the lock's
      resolve(server);
    });
  });
}

/** The pid the holder answers, or "gone" when nobody is listening any more. */
function askHolder(address: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = createConnection({ path: address });
    const done = (value: string) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2000, () => done("unknown"));
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("end", () => done(/^\d+\s*$/.test(answer) ? answer.trim() : "unknown"));
    socket.on("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? "gone" : "unknown"));
  });
}
