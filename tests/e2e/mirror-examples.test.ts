// The three cloud mirror examples (SPEC §6, §9) as a user runs them, on the real engine against a
// real service: a first preview before anything exists (every id unknown), `up` (the analytics
// workspace's schemas are exactly the production leaves' handles), then the edited export, whose
// preview must be exactly its four leaf changes (a rename and a move as in-place updates, a new
// leaf as its create, a removed one as its delete), `up`, and `destroy`.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Cloud, HierarchySnapshot } from "../../contract/hierarchy";
import { computeMirror } from "../../contract/mirror";
import { resourceNameOf } from "../../sdk/mirror";
import { snapshotFromJson } from "../../sdk/clouds";
import { END, planRecorder, REPO_ROOT } from "./engine";
import { engineAndService } from "./harness";

const EXAMPLES: { name: string; cloud: Cloud; mirror: string; production: string; secret?: string }[] = [
  { name: "aws-organization", cloud: "aws", mirror: "aws", production: "ou-7k2q-1a2bb809" },
  { name: "azure-management-groups", cloud: "azure", mirror: "azure", production: "mg-workloads-prod", secret: "azure-client-secret-e2e" },
  { name: "gcp-folders", cloud: "gcp", mirror: "gcp", production: "folders/583021750052" },
];

function snapshotOf(example: string, cloud: Cloud, file: string): HierarchySnapshot {
  return snapshotFromJson(cloud, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "examples", example, file), "utf8")));
}

/** The handles of the leaves below `top`, as the reconcile rule names them. */
function productionHandles(snapshot: HierarchySnapshot, top: string): string[] {
  const parent = new Map(snapshot.nodes.map((n) => [n.id, n.parentId]));
  const below = (id: string) => {
    for (let p = parent.get(id) ?? null; p; p = parent.get(p) ?? null) if (p === top) return true;
    return false;
  };
  // handles do not depend on the template's config
  const mirror = computeMirror(snapshot, { connection: { plugin: "custom", config: {} } });
  return mirror.leaves.filter((l) => below(l.cloudId)).map((l) => l.handle).sort();
}

/** The leaves the edited export renames, moves, adds and removes. */
function edits(before: HierarchySnapshot, after: HierarchySnapshot) {
  const old = new Map(before.nodes.filter((n) => n.kind === "leaf").map((n) => [n.id, n]));
  const next = new Map(after.nodes.filter((n) => n.kind === "leaf").map((n) => [n.id, n]));
  const one = (ids: string[], what: string) => {
    expect(ids, what).to.have.length(1);
    return ids[0];
  };
  return {
    renamed: one([...next.values()].filter((n) => old.has(n.id) && old.get(n.id)!.name !== n.name).map((n) => n.id), "renamed"),
    moved: one([...next.values()].filter((n) => old.has(n.id) && old.get(n.id)!.parentId !== n.parentId).map((n) => n.id), "moved"),
    added: one([...next.keys()].filter((id) => !old.has(id)), "added"),
    removed: one([...old.keys()].filter((id) => !next.has(id)), "removed"),
  };
}

describe(`e2e: the cloud mirror examples (@pulumi/pulumi ${END.sdk}, Node.js ${process.versions.node})`, function () {
  this.timeout(1_800_000);
  const e2e = engineAndService();
  const opts = () => e2e.opts();

  for (const ex of EXAMPLES) {
    describe(`examples/${ex.name}`, () => {
      let stack: Stack;
      let tenantId: string;
      const base = snapshotOf(ex.name, ex.cloud, "export.json");
      const edited = snapshotOf(ex.name, ex.cloud, "export-edited.json");
      const leaves = base.nodes.filter((n) => n.kind === "leaf").length;
      const folders = base.nodes.length - leaves;
      // organization, workspace, grant, attachment, and the mirror's folders and connections
      const resources = 4 + folders + leaves;

      before(async () => {
        tenantId = (await e2e.t.expect(201, "POST", "/v1/tenants", { body: { handle: ex.cloud } })).id;
        ({ stack } = await e2e.pe.example(ex.name));
        await stack.setAllConfig({
          "switchyard:url": { value: e2e.url },
          "switchyard:token": { value: e2e.t.adminToken, secret: true },
          tenantId: { value: tenantId },
          ...(ex.secret ? { azureClientSecret: { value: ex.secret, secret: true } } : {}),
        });
      });

      it("the first preview, before anything exists, plans every create and reports no error", async () => {
        const rec = planRecorder();
        const res = await stack.preview({ ...opts(), diff: true, onEvent: rec.onEvent });
        expect(rec.errors).to.deep.equal([]);
        // + the stack and the mirror component
        expect(res.changeSummary).to.deep.equal({ create: resources + 2 });
        for (const n of base.nodes) {
          const kind = n.kind === "leaf" ? "Connection" : "Folder";
          expect(rec.op(kind, `${ex.mirror}/${n.kind}/${resourceNameOf(n.id)}`), `${kind} ${n.id}`).to.equal("create");
        }
        for (const [kind, name] of [["Organization", "cloud"], ["Workspace", "analytics"], ["Grant", "production-to-analytics"], ["SchemaAttachment", "production-in-analytics"]]) {
          expect(rec.op(kind, name), `${kind} ${name}`).to.equal("create");
        }
        if (ex.secret) expect(res.stdout).to.not.contain(ex.secret);
      });

      it("up mirrors the export, and the analytics workspace's schemas are exactly the production leaves' handles", async () => {
        const res = await stack.up(opts());
        expect(res.summary.result).to.equal("succeeded");
        expect(Object.keys(res.outputs.connectionIds.value).sort()).to.deep.equal(base.nodes.filter((n) => n.kind === "leaf").map((n) => n.id).sort());
        expect(res.outputs.productionFolderId.value).to.equal(res.outputs.folderIds.value[ex.production]);
        const schemas = await e2e.t.get(`/v1/workspaces/${res.outputs.workspaceId.value}/schemas?limit=500`);
        const want = productionHandles(base, ex.production);
        expect(want.length).to.be.greaterThan(3);
        expect(schemas.body.items.map((i: { name: string }) => i.name).sort()).to.deep.equal(want);
        expect(schemas.body.items.every((i: { state: string }) => i.state === "indirect")).to.equal(true);
        if (ex.secret) {
          // the checkpoint as the backend stores it (exportStack would decrypt the secrets)
          const stacks = path.join(e2e.pe.root, "state", ".pulumi", "stacks");
          const files = (fs.readdirSync(stacks, { recursive: true }) as string[]).filter((f) => f.endsWith(".json"));
          expect(files).to.not.be.empty;
          for (const f of files) expect(fs.readFileSync(path.join(stacks, f), "utf8"), f).to.not.contain(ex.secret);
        }
      });

      it("the edited export previews as exactly its four leaf changes", async () => {
        const e = edits(base, edited);
        await stack.setConfig("exportFile", { value: "export-edited.json" });
        const rec = planRecorder();
        const res = await stack.preview({ ...opts(), diff: true, onEvent: rec.onEvent });
        expect(rec.errors).to.deep.equal([]);
        // (the default dynamic provider shows an update too: it receives the stack config, exportFile included)
        const changed = Object.fromEntries(Object.entries(rec.all()).filter(([key, op]) => op !== "same" && !key.startsWith("pulumi:providers:")));
        expect(res.changeSummary).to.deep.equal({ create: 1, update: 2, delete: 1, same: resources + 2 - 3 });
        const leaf = (id: string) => `${ex.mirror}/leaf/${resourceNameOf(id)}`;
        expect(changed).to.deep.equal({
          [`Connection::${leaf(e.renamed)}`]: "update",
          [`Connection::${leaf(e.moved)}`]: "update",
          [`Connection::${leaf(e.added)}`]: "create",
          [`Connection::${leaf(e.removed)}`]: "delete",
        });
        expect(Object.keys(rec.diff("Connection", leaf(e.renamed))).sort()).to.deep.equal(["handle", "title"]);
        expect(Object.keys(rec.diff("Connection", leaf(e.moved)))).to.deep.equal(["folderId"]);
      });

      it("up applies the edit: the workspace follows the production folder", async () => {
        const res = await stack.up(opts());
        expect(res.summary.result).to.equal("succeeded");
        expect(res.summary.resourceChanges).to.deep.include({ create: 1, update: 2, delete: 1 });
        const schemas = await e2e.t.get(`/v1/workspaces/${res.outputs.workspaceId.value}/schemas?limit=500`);
        expect(schemas.body.items.map((i: { name: string }) => i.name).sort()).to.deep.equal(productionHandles(edited, ex.production));
        const rec = planRecorder();
        const again = await stack.preview({ ...opts(), onEvent: rec.onEvent });
        expect(Object.keys(again.changeSummary)).to.deep.equal(["same"]);
      });

      it("destroy removes everything the stack made", async () => {
        const res = await stack.destroy(opts());
        expect(res.summary.result).to.equal("succeeded");
        expect((await e2e.t.get(`/v1/tenants/${tenantId}/children`)).body.items).to.deep.equal([]);
        expect((await e2e.t.get(`/v1/tenants/${tenantId}/folders`)).body.items).to.deep.equal([]);
        expect((await e2e.t.get(`/v1/tenants/${tenantId}/connections`)).body.items).to.deep.equal([]);
      });
    });
  }
});
