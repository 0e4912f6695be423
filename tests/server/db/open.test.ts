import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../../server/db/open";

/** The embedded database's folder may be opened by one process only (SPEC §8). */
const OPEN_TS = JSON.stringify(join(__dirname, "../../../server/db/open.ts"));

/** Another process that takes the lock and keeps it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const script = `require("tsx/cjs"); require(${OPEN_TS}).lockDataDir(${JSON.stringify(dir)}).then(() => console.log("locked")); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => (out += d) && out.includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`the holder exited (${code}) before locking`)));
  });
  return child;
}

/** Another process that tries to take the lock: exit 0 when it got it, 3 with the message when not. */
function tryLockElsewhere(dir: string): Promise<{ status: number | null; stderr: string }> {
  const script = `require("tsx/cjs"); require(${OPEN_TS}).lockDataDir(${JSON.stringify(dir)}).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

describe("the embedded data folder lock (an OS-level lock that dies with its process)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sy-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a lock held by another live process is refused, naming its pid and saying what to do", async () => {
    const other = await holder(dir);
    try {
      let message = "";
      await lockDataDir(dir).catch((e: Error) => (message = e.message));
      expect(message).to.match(new RegExp(`in use by another Switchyard process \\(pid ${other.pid}\\).*SWITCHYARD_DATA_DIR.*DATABASE_URL`));
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("after kill -9 of the holder the lock is free at once: no stale lock to clear", async () => {
    const other = await holder(dir);
    const gone = new Promise((r) => other.on("exit", r));
    other.kill("SIGKILL");
    await gone;
    const release = await lockDataDir(dir);
    const second = await tryLockElsewhere(dir);
    expect(second.stderr).to.contain(`(pid ${process.pid})`);
    release();
  });

  it("a second process cannot take the lock while this one holds it; after release it can", async () => {
    const release = await lockDataDir(dir);
    const second = await tryLockElsewhere(dir);
    expect(second.status, second.stderr).to.equal(3);
    expect(second.stderr).to.contain(`in use by another Switchyard process (pid ${process.pid})`);
    release();
    const third = await tryLockElsewhere(dir);
    expect(third.status, third.stderr).to.equal(0);
  });

  it("the same folder reached by another path is the same lock", async () => {
    const link = join(dir, "..", `${dir.split("/").pop()}-link`);
    symlinkSync(dir, link);
    try {
      const release = await lockDataDir(dir);
      const second = await tryLockElsewhere(link);
      expect(second.status, second.stderr).to.equal(3);
      release();
    } finally {
      rmSync(link, { force: true });
    }
  });
});
