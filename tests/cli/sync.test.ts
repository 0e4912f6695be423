import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import nock from "nock";
import { main } from "../../cli/main";
import { aws } from "../../sdk";
import { readFileSync } from "node:fs";

const repo = join(__dirname, "..", "..");
const URL = "http://switchyard.test";
const INT = "int_0123456789abcdefghjk";
const EXPORT = join(repo, "examples", "aws-organization", "export.json");

const PLAN = {
  dryRun: false,
  summary: { create: 1, update: 0, move: 1, rename: 1, delete: 1, unchanged: 37 },
  operations: [
    { op: "create", kind: "connection", cloudId: "210000039000117", objectId: "conn_aaaaaaaaaaaaaaaaaaaa", after: { title: "payments-eu-4", handle: "aws_payments_eu_4" } },
    { op: "move", kind: "connection", cloudId: "210000031000093", objectId: "conn_bbbbbbbbbbbbbbbbbbbb", before: { folderId: "fld_aaaaaaaaaaaaaaaaaaaa" }, after: { folderId: "fld_bbbbbbbbbbbbbbbbbbbb" } },
    { op: "rename", kind: "connection", cloudId: "210000016000048", objectId: "conn_cccccccccccccccccccc", before: { title: "payments-ledger", handle: "aws_payments_ledger" }, after: { title: "payments-ledger-v2", handle: "aws_payments_ledger_v2" } },
    { op: "delete", kind: "connection", cloudId: "210000012000036", objectId: "conn_dddddddddddddddddddd", before: { title: "sandbox-erin" } },
    { op: "unchanged", kind: "folder", cloudId: "r-7k2q", objectId: "fld_cccccccccccccccccccc" },
  ],
};

/** Runs the command line with captured output and the service at URL. */
async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { SWITCHYARD_URL: URL, SWITCHYARD_TOKEN: "tok_test" },
    client: { retries: 2, retryDelayMs: 1 },
  });
  return { code, stdout, stderr };
}

describe("cli: switchyard sync", () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it("pushes a CLI export as a snapshot and prints the plan as a table (exit 0)", async () => {
    let pushed: unknown;
    const scope = nock(URL, { reqheaders: { authorization: "Bearer tok_test" } })
      .post(`/v1/integrations/${INT}/sync`, (body) => ((pushed = body), true))
      .reply(200, PLAN);
    const { code, stdout, stderr } = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT);
    expect(stderr).to.equal("");
    expect(code).to.equal(0);
    expect(scope.isDone()).to.equal(true);
    expect(pushed).to.deep.equal(aws.fromCliExport(JSON.parse(readFileSync(EXPORT, "utf8"))));
    const lines = stdout.split("\n");
    expect(lines[0]).to.equal("Applied: 1 create, 0 update, 1 move, 1 rename, 1 delete, 37 unchanged.");
    expect(stdout).to.match(/│ rename │ connection │ 210000016000048 │ conn_cccccccccccccccccccc │ title: payments-ledger → payments-ledger-v2/);
    expect(stdout).to.match(/│ delete │ connection │ 210000012000036/);
    expect(stdout).to.not.contain("r-7k2q");
  });

  it("--dry-run --json asks for a dry run and prints the plan as JSON", async () => {
    const scope = nock(URL).post(`/v1/integrations/${INT}/sync`).query({ dryRun: "true" }).reply(200, { ...PLAN, dryRun: true });
    const { code, stdout } = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT, "--dry-run", "--json");
    expect(code).to.equal(0);
    expect(scope.isDone()).to.equal(true);
    expect(JSON.parse(stdout)).to.deep.equal({ ...PLAN, dryRun: true });
  });

  it("a plan without changes prints 'Nothing to do' (exit 0)", async () => {
    nock(URL).post(`/v1/integrations/${INT}/sync`).reply(200, { dryRun: false, summary: { create: 0, update: 0, move: 0, rename: 0, delete: 0, unchanged: 53 }, operations: [] });
    const { code, stdout } = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT);
    expect(code).to.equal(0);
    expect(stdout).to.equal("Nothing to do: 0 create, 0 update, 0 move, 0 rename, 0 delete, 53 unchanged.\n");
  });

  it("a plan refused by the mass-delete guard exits 2 and says how to go on; --allow-mass-delete passes it", async () => {
    const message = "this sync would delete 30 of 53 managed objects (57%), more than maxDeleteFraction 0.2";
    nock(URL).post(`/v1/integrations/${INT}/sync`).reply(409, { error: { code: "mass_delete", message, details: { delete: 30, managed: 53 } } });
    const refused = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT, "--json");
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain(message).and.contain("--allow-mass-delete").and.contain("--dry-run");
    expect(JSON.parse(refused.stdout).error).to.deep.include({ status: 409, code: "mass_delete", details: { delete: 30, managed: 53 } });

    const scope = nock(URL).post(`/v1/integrations/${INT}/sync`).query({ allowMassDelete: "true" }).reply(200, PLAN);
    const allowed = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT, "--allow-mass-delete");
    expect(allowed.code).to.equal(0);
    expect(scope.isDone()).to.equal(true);
  });

  it("retries a 503 from the service with the SDK's client", async () => {
    nock(URL).post(`/v1/integrations/${INT}/sync`).reply(503, { error: { code: "unavailable", message: "try later" } });
    nock(URL).post(`/v1/integrations/${INT}/sync`).reply(200, PLAN);
    const { code } = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT);
    expect(code).to.equal(0);
  });

  it("other failures exit 1 with a message saying what to do", async () => {
    nock(URL).post(`/v1/integrations/${INT}/sync`).reply(401, { error: { code: "unauthorized", message: "invalid token" } });
    const denied = await run("sync", "aws", "--integration", INT, "--from-file", EXPORT);
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.contain("401").and.contain("SWITCHYARD_TOKEN");

    const noFile = await run("sync", "aws", "--integration", INT, "--from-file", "/nonexistent/export.json");
    expect([noFile.code, noFile.stderr]).to.deep.equal([1, "Error: cannot read /nonexistent/export.json: ENOENT\n"]);

    const wrongCloud = await run("sync", "azure", "--integration", INT, "--from-file", EXPORT);
    expect(wrongCloud.code).to.equal(1);
    expect(wrongCloud.stderr).to.contain('Azure export: "name" is missing');

    const badId = await run("sync", "aws", "--integration", "conn_0123456789abcdefghjk", "--from-file", EXPORT);
    expect(badId.stderr).to.contain("--integration must be an integration id");

    const noRoot = await run("sync", "azure", "--integration", INT);
    expect(noRoot.stderr).to.contain("azure needs --root");

    let stderr = "";
    const noUrl = await main(["sync", "aws", "--integration", INT, "--from-file", EXPORT], { stdout: () => {}, stderr: (t) => (stderr += t), env: {} });
    expect(noUrl).to.equal(1);
    expect(stderr).to.contain("pass --url http://… or set SWITCHYARD_URL");

    const unknown = await run("sync", "oracle", "--integration", INT);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain("Allowed choices are aws, azure, gcp");
  });

  it("the switchyard entry point prints its help and exits 0", () => {
    const out = spawnSync(process.execPath, ["--import", "tsx", join(repo, "cli", "switchyard.ts"), "sync", "--help"], { encoding: "utf8", cwd: repo });
    expect(out.status).to.equal(0);
    expect(out.stdout).to.contain("Usage: switchyard sync [options] <cloud>").and.contain("--allow-mass-delete").and.contain("Exit codes: 0 applied");
    const bad = spawnSync(process.execPath, ["--import", "tsx", join(repo, "cli", "switchyard.ts"), "sync", "aws"], { encoding: "utf8", cwd: repo });
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain("required option '--integration <id>' not specified");
  });
});
