// The examples as a new user runs them, in their order: the package from `npm pack` installed in
// a fresh copy of the example, a first `pulumi preview` (nothing exists yet, so every id is
// unknown), `up`, a preview that plans no change, and `destroy`, on the real engine against a
// real service. examples/ci runs through its own deploy.sh, as its CI workflow does.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Stack } from "@pulumi/pulumi/automation";
import { END, installedPackages, planRecorder } from "./engine";
import { engineAndService } from "./harness";

const exec = promisify(execFile);

describe(`e2e: the examples as a new user runs them (@pulumi/pulumi ${END.sdk}, Node.js ${process.versions.node})`, function () {
  this.timeout(900_000);
  const e2e = engineAndService();
  const opts = () => e2e.opts();

  it("a program on this end's @pulumi/pulumi has exactly one copy of it", async () => {
    const { stdout } = await exec("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], { cwd: await installedPackages() });
    const copies = stdout.split("\n").filter((l) => /node_modules[\\/]@pulumi[\\/]pulumi$/.test(l));
    expect(copies).to.have.length(1);
    const { stdout: version } = await exec(process.execPath, ["-p", "require('@pulumi/pulumi/package.json').version"], { cwd: await installedPackages() });
    expect(version.trim()).to.equal(END.sdk);
  });

  describe("examples/quickstart", () => {
    let stack: Stack;
    let tenantId: string;

    before(async () => {
      tenantId = (await e2e.t.expect(201, "POST", "/v1/tenants", { body: { handle: "quickstart" } })).id;
      ({ stack } = await e2e.pe.example("quickstart"));
      await stack.setAllConfig({
        "switchyard:url": { value: e2e.url },
        "switchyard:token": { value: e2e.t.adminToken, secret: true },
        tenantId: { value: tenantId },
        warehousePassword: { value: "quickstart-password", secret: true },
      });
    });

    it("the first preview, before anything exists, plans every create and reports no error", async () => {
      const rec = planRecorder();
      const res = await stack.preview({ ...opts(), diff: true, onEvent: rec.onEvent });
      expect(rec.errors).to.deep.equal([]);
      expect(res.changeSummary).to.deep.equal({ create: 8 });
      for (const [kind, name] of [["Organization", "data-platform"], ["Workspace", "analytics"], ["Folder", "analytics"], ["Connection", "warehouse"], ["Connection", "lake"], ["Grant", "analytics-to-workspace"], ["SchemaAttachment", "analytics-in-workspace"]]) {
        expect(rec.op(kind, name), `${kind} ${name}`).to.equal("create");
      }
      expect(res.stdout).to.contain("+ 8 to create");
      expect(res.stdout).to.not.contain("quickstart-password");
      if (process.env.SWITCHYARD_E2E_PRINT_PREVIEW) process.stdout.write(res.stdout);
    });

    it("up makes both connections schemas of the workspace it made", async () => {
      const res = await stack.up(opts());
      expect(res.summary.result).to.equal("succeeded");
      expect(res.outputs.schemas.value).to.deep.equal(["warehouse", "lake"]);
      const schemas = await e2e.t.get(`/v1/workspaces/${res.outputs.workspaceId.value}/schemas`);
      expect(schemas.body.items.map((i: { name: string; state: string }) => `${i.name}:${i.state}`)).to.deep.equal(["lake:indirect", "warehouse:indirect"]);
    });

    it("a second preview plans no change", async () => {
      const rec = planRecorder();
      const res = await stack.preview({ ...opts(), onEvent: rec.onEvent });
      expect(res.changeSummary).to.deep.equal({ same: 8 });
      expect(rec.errors).to.deep.equal([]);
    });

    it("destroy removes the workspace, the organization and the shared folder", async () => {
      const before = (await stack.outputs()).workspaceId.value;
      const res = await stack.destroy(opts());
      expect(res.summary.result).to.equal("succeeded");
      expect((await e2e.t.get(`/v1/workspaces/${before}`)).status).to.equal(404);
      expect((await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items).to.deep.equal([]);
      expect((await e2e.t.get(`/v1/tenants/${tenantId}/folders`)).body.items).to.deep.equal([]);
    });
  });

  describe("examples/ci", () => {
    let workDir: string;
    let env: NodeJS.ProcessEnv;
    let stack: Stack;
    let tenantId: string;
    const deploy = (mode: string) => exec("bash", ["deploy.sh", mode], { cwd: workDir, env, maxBuffer: 16 << 20 });

    before(async () => {
      tenantId = (await e2e.t.expect(201, "POST", "/v1/tenants", { body: { handle: "ci" } })).id;
      env = { ...e2e.pe.env, SWITCHYARD_URL: e2e.url, SWITCHYARD_TOKEN: e2e.t.adminToken, SWITCHYARD_TENANT_ID: tenantId, SALES_DB_PASSWORD: "ci-sales-password", PULUMI_STACK: "ci" };
      ({ stack, workDir } = await e2e.pe.example("ci", { stackName: "ci", env }));
    });

    it("deploy.sh preview, on a pull request, shows the whole plan and changes nothing", async () => {
      const { stdout } = await deploy("preview");
      expect(stdout).to.contain("+ 8 to create");
      expect(stdout).to.contain("switchyard:Connection::sales_db");
      expect(stdout).to.not.contain("ci-sales-password");
      expect((await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items).to.deep.equal([]);
    });

    it("deploy.sh up, on main, applies it without a prompt", async () => {
      const { stdout } = await deploy("up");
      expect(stdout).to.match(/8 created/);
      const orgs = (await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items;
      expect(orgs.map((o: { handle: string }) => o.handle)).to.deep.equal(["reporting"]);
      const ws = (await e2e.t.get(`/v1/orgs/${orgs[0].id}/children`)).body.items[0];
      const schemas = await e2e.t.get(`/v1/workspaces/${ws.id}/schemas`);
      expect(schemas.body.items.map((i: { name: string }) => i.name)).to.deep.equal(["events", "sales_db"]);
    });

    it("the next run plans no change", async () => {
      const { stdout } = await deploy("preview");
      expect(stdout).to.match(/8 unchanged/);
      const rec = planRecorder();
      expect((await stack.preview({ ...opts(), onEvent: rec.onEvent })).changeSummary).to.deep.equal({ same: 8 });
    });

    it("destroy removes everything the stack made", async () => {
      const res = await stack.destroy(opts());
      expect(res.summary.result).to.equal("succeeded");
      expect((await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items).to.deep.equal([]);
    });
  });
});
