import type * as FsExt from "fs-ext";
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * PGlite keeps its files in a folder that only one process may open: a second one would corrupt
 * it. The folder is guarded by an OS advisory lock (flock(2), through fs-ext) on
 * `switchyard.lock`: the kernel drops it when its process ends, however it ends (kill -9
 * included), so a restart never finds a stale lock. The file also holds the owner's pid, only to
 * name it in the message; it is never removed, since removing a lock file races with a process
 * that has just opened it. Node opens files close-on-exec, so a child process never inherits it.
 */
export function lockDataDir(dataDir: string): () => void {
  const { flockSync } = loadFsExt();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "switchyard.lock");
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    flockSync(fd, "exnb");
  } catch (err) {
    closeSync(fd);
    if ((err as NodeJS.ErrnoException).code !== "EAGAIN" && (err as NodeJS.ErrnoException).code !== "EWOULDBLOCK") throw err;
    const pid = readFileSync(path, "utf8").trim();
    throw new Error(
      `the embedded database in ${dataDir} is in use by another Switchyard process (pid ${/^\d+$/.test(pid) ? pid : "unknown"}). Stop that process, or give this one its own SWITCHYARD_DATA_DIR, or point both at a PostgreSQL server with DATABASE_URL.`,
    );
  }
  ftruncateSync(fd, 0);
  writeSync(fd, String(process.pid), 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    ftruncateSync(fd, 0);
    closeSync(fd); // closing the last descriptor releases the lock
  };
}

/** Loaded when needed, so that a service on PostgreSQL never needs the native addon. */
function loadFsExt(): typeof FsExt {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("fs-ext") as typeof FsExt;
  } catch (err) {
    throw new Error(
      `cannot lock the embedded database's folder: the native addon fs-ext is not built (${(err as Error).message.split("\n")[0]}). Run \`npm rebuild fs-ext\` (it needs a C++ compiler and Node's headers), or use PostgreSQL with DATABASE_URL.`,
    );
  }
}
