import { expect } from "chai";
import { lockDataDir } from "../../server/db/open";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase, postgresReachable, type TestDatabase } from "../helpers/databases";
import { kill9, serving, spawnServer, type ServerProcess } from "../helpers/server-process";

/** Start-up of the real server (`server/main.ts`), as a process (SPEC §7.1, §8). */
type Server = ServerProcess;
const start = (env: Record<string, string>) => spawnServer(env);

async function me(s: Server, token: string) {
  const res = await fetch(`http://127.0.0.1:${s.port}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { isAdmin?: boolean } };
}

describe("starting the server (server/main.ts)", function () {
  this.timeout(90_000);
  let dir: string;
  let first: Server;
  let token: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sy-main-"));
  });
  after(async () => {
    if (first) await kill9(first);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the first start prints the administrator's token once and saves it with mode 0600", async () => {
    first = await start({ SWITCHYARD_DATA_DIR: dir });
    await serving(first);
    const file = join(dir, "bootstrap-token");
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    token = readFileSync(file, "utf8").trim();
    expect(first.out().split(token).length - 1, first.out()).to.equal(1);
    const res = await me(first, token);
    expect(res.status).to.equal(200);
    expect(res.body.isAdmin).to.equal(true);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).to.equal(0o600);
  });

  it("a second process on the same data folder exits non-zero, saying the folder is in use", async () => {
    const second = await start({ SWITCHYARD_DATA_DIR: dir });
    const code = await second.exited;
    expect(code).to.not.equal(0);
    expect(second.err()).to.contain(`the embedded database in ${dir} is in use by another Switchyard process (pid ${first.proc.pid})`);
    expect((await me(first, token)).status, "the first one keeps serving").to.equal(200);
  });

  it("SIGINT shuts the server down cleanly: exit code 0 and the lock released", async () => {
    first.proc.kill("SIGINT");
    expect(await first.exited).to.equal(0);
    const release = await lockDataDir(dir);
    release();
  });

  it("a restart does not bootstrap again: no token is printed and the saved one still works", async () => {
    const again = await start({ SWITCHYARD_DATA_DIR: dir });
    await serving(again);
    expect(again.out()).to.not.contain(token);
    expect((await me(again, token)).status).to.equal(200);
    again.proc.kill("SIGTERM");
    expect(await again.exited).to.equal(0);
  });

  describe("SWITCHYARD_BOOTSTRAP_TOKEN", () => {
    for (const kind of ["pglite", "postgres"] as const) {
      it(`is the administrator's token when set, and is neither printed nor saved [${kind}]`, async function () {
        let database: TestDatabase | undefined;
        if (kind === "postgres") {
          if (!(await postgresReachable())) this.skip();
          database = await freshDatabase("postgres");
        }
        const own = mkdtempSync(join(tmpdir(), "sy-main-env-"));
        const configured = `sy_configured_${randomBytes(12).toString("hex")}`;
        try {
          const s = await start({ SWITCHYARD_DATA_DIR: own, SWITCHYARD_BOOTSTRAP_TOKEN: configured, SWITCHYARD_SECRET_KEY: randomBytes(32).toString("base64"), DATABASE_URL: database?.url ?? "" });
          await serving(s);
          expect(s.out() + s.err()).to.not.contain(configured);
          expect(existsSync(join(own, "bootstrap-token"))).to.equal(false);
          expect((await me(s, configured)).body.isAdmin).to.equal(true);
          s.proc.kill("SIGINT");
          expect(await s.exited).to.equal(0);
        } finally {
          rmSync(own, { recursive: true, force: true });
          await database?.drop();
        }
      });
    }
  });
});
