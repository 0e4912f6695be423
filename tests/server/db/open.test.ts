import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../../server/db/open";

/** The embedded database's folder may be opened by one process only (SPEC §8). */
describe("the embedded data folder lock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sy-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lockFile = () => join(dir, "switchyard.lock");

  it("a lock held by another live process is refused with a message saying what to do", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(lockFile(), String(holder.pid));
      expect(() => lockDataDir(dir)).to.throw(new RegExp(`in use by another Switchyard process \\(pid ${holder.pid}\\).*SWITCHYARD_DATA_DIR.*DATABASE_URL`));
      expect(readFileSync(lockFile(), "utf8")).to.equal(String(holder.pid));
    } finally {
      holder.kill();
    }
  });

  it("a second process cannot take the lock while the first holds it", () => {
    const release = lockDataDir(dir);
    try {
      const script = `require("tsx/cjs"); const { lockDataDir } = require(${JSON.stringify(join(__dirname, "../../../server/db/open.ts"))}); try { lockDataDir(${JSON.stringify(dir)}); process.exit(0); } catch (e) { console.error(e.message); process.exit(3); }`;
      const second = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
      expect(second.status, second.stderr).to.equal(3);
      expect(second.stderr).to.contain("in use by another Switchyard process");
    } finally {
      release();
    }
  });

  it("the lock file names the owner; release removes it, and a stale lock of a dead process is taken over", () => {
    const release = lockDataDir(dir);
    expect(readFileSync(lockFile(), "utf8")).to.equal(String(process.pid));
    release();
    expect(existsSync(lockFile())).to.equal(false);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    writeFileSync(lockFile(), String(dead));
    const again = lockDataDir(dir);
    expect(readFileSync(lockFile(), "utf8")).to.equal(String(process.pid));
    again();
  });

  it("release leaves alone a lock that another process has taken since", () => {
    const release = lockDataDir(dir);
    writeFileSync(lockFile(), "999999");
    release();
    expect(readFileSync(lockFile(), "utf8")).to.equal("999999");
  });
});
