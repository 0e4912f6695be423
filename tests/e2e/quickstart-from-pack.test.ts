// The package as users get it: `npm pack`, installed into a fresh copy of examples/quickstart
// (its own node_modules, no link to this repository), run on the real engine against a real
// service through up, a no-op preview and destroy.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { TestApp } from "../helpers/app";
import { REPO_ROOT, pulumiEnv, type PulumiTestEnv } from "./engine";

describe("e2e: examples/quickstart with the package from npm pack", function () {
  this.timeout(900_000);
  let pe: PulumiTestEnv;
  let t: TestApp;
  let dir: string;
  const output: string[] = [];
  const opts = () => ({ onOutput: (s: string) => output.push(s), color: "never" as const });

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "switchyard-pack-"));
    // `npm pack` runs the build (prepare) and packs what package.json's `files` lists.
    const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
    const tarball = join(dir, packed[0].filename);
    const program = join(dir, "quickstart");
    cpSync(join(REPO_ROOT, "examples", "quickstart"), program, { recursive: true });
    const pkg = JSON.parse(readFileSync(join(program, "package.json"), "utf8"));
    pkg.dependencies.switchyard = `file:${tarball}`;
    writeFileSync(join(program, "package.json"), JSON.stringify(pkg, null, 2));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: program, stdio: ["ignore", "ignore", "inherit"] });

    pe = await pulumiEnv();
    t = await TestApp.start("pglite");
    const url = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const h = await t.hierarchy();
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "test", workDir: program },
      { pulumiCommand: pe.pulumiCommand, pulumiHome: pe.env.PULUMI_HOME, envVars: Object.fromEntries(Object.entries(pe.env).filter(([, v]) => v !== undefined)) as Record<string, string> },
    );
    await stack.setAllConfig({
      "switchyard:url": { value: url },
      "switchyard:token": { value: t.adminToken, secret: true },
      tenantId: { value: h.tenant.id },
      workspaceId: { value: h.ws.id },
      warehousePassword: { value: "pack-test-password", secret: true },
    });
    ctx = { stack, ws: h.ws.id };
  });

  let ctx: { stack: Awaited<ReturnType<typeof LocalWorkspace.createOrSelectStack>>; ws: string };

  after(async function () {
    await t?.close();
    await pe?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(output.join(""));
    output.length = 0;
  });

  it("up makes both connections schemas of the workspace", async () => {
    const res = await ctx.stack.up(opts());
    expect(res.summary.result).to.equal("succeeded");
    expect(res.outputs.schemas.value).to.deep.equal(["warehouse", "lake"]);
    const schemas = await t.get(`/v1/workspaces/${ctx.ws}/schemas`);
    expect(schemas.body.items.map((i: { name: string; state: string }) => `${i.name}:${i.state}`)).to.deep.equal(["lake:indirect", "warehouse:indirect"]);
  });

  it("a second preview plans no change", async () => {
    const res = await ctx.stack.preview(opts());
    expect(Object.keys(res.changeSummary)).to.deep.equal(["same"]);
  });

  it("destroy leaves the workspace without schemas", async () => {
    const res = await ctx.stack.destroy(opts());
    expect(res.summary.result).to.equal("succeeded");
    expect((await t.get(`/v1/workspaces/${ctx.ws}/schemas`)).body.items).to.deep.equal([]);
  });
});
