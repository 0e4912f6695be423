import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../../server/db/open";

/** The embedded database's folder may be opened by one process only (SPEC §8). */
const OPEN_TS = JSON.stringify(join(__dirname, "../../../server/db/open.ts"));

/** Another process that takes the lock and keeps it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const script = `require("tsx/cjs"); require(${OPEN_TS}).lockDataDir(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => (out += d) && out.includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`the holder exited (${code}) before locking`)));
  });
  return child;
}

function tryLockElsewhere(dir: string) {
  const script = `require("tsx/cjs"); try { require(${OPEN_TS}).lockDataDir(${JSON.stringify(dir)}); process.exit(0); } catch (e) { console.error(e.message); process.exit(3); }`;
  return spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
}

describe("the embedded data folder lock (an OS advisory lock that dies with its process)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sy-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lockFile = () => join(dir, "switchyard.lock");

  it("a lock held by another live process is refused, naming its pid and saying what to do", async () => {
    const other = await holder(dir);
    try {
      expect(() => lockDataDir(dir)).to.throw(new RegExp(`in use by another Switchyard process \\(pid ${other.pid}\\).*SWITCHYARD_DATA_DIR.*DATABASE_URL`));
      expect(readFileSync(lockFile(), "utf8")).to.equal(String(other.pid));
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("after kill -9 of the holder the lock is free at once: no stale lock to clear", async () => {
    const other = await holder(dir);
    const gone = new Promise((r) => other.on("exit", r));
    other.kill("SIGKILL");
    await gone;
    const release = lockDataDir(dir);
    expect(readFileSync(lockFile(), "utf8")).to.equal(String(process.pid));
    release();
  });

  it("a second process cannot take the lock while this one holds it; after release it can", () => {
    const release = lockDataDir(dir);
    const second = tryLockElsewhere(dir);
    expect(second.status, second.stderr).to.equal(3);
    expect(second.stderr).to.contain(`in use by another Switchyard process (pid ${process.pid})`);
    release();
    expect(readFileSync(lockFile(), "utf8"), "release clears the pid").to.equal("");
    const third = tryLockElsewhere(dir);
    expect(third.status, third.stderr).to.equal(0);
  });

  it("a lock file naming a live pid but not locked (left by an older version) does not block", () => {
    writeFileSync(lockFile(), String(process.ppid));
    const release = lockDataDir(dir);
    expect(readFileSync(lockFile(), "utf8")).to.equal(String(process.pid));
    release();
  });
});
