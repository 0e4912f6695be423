/**
 * The client-side mirror at size (SPEC §6, §9), through the real Pulumi engine: an AWS
 * organization of 1,000 accounts in 200 organizational units, 5 levels deep, mirrored by
 * `sy.AwsOrganizationMirror` into a tenant of the built service (its own process). Times
 *   - the first `up` (every folder and connection created),
 *   - a `preview` with no change (the engine diffs every resource),
 *   - a 10-account change (3 new, 3 moved, 2 renamed, 2 closed) previewed (its counts must be
 *     exactly those: 3 creates, 5 updates, 2 deletes) and applied,
 * with the peak memory of the engine's processes (the CLI, the program, the dynamic-provider
 * host) and of the service. Targets: no-change preview < 30 s, 10-account change applied < 20 s.
 * The service-side path (an integration's sync of the same estate) is bench/mirror-sync.ts:
 * `npm run bench -- mirror mirror-sync` runs both.
 *
 *   npm run bench -- mirror
 * Settings: BENCH_DB=postgres|pglite (postgres)  BENCH_ACCOUNTS (1000)  BENCH_ENFORCE=1 exits 1 when a target is missed.
 *   BENCH_CPU_PROF=dir writes V8 CPU profiles of the program and the dynamic-provider host of each
 *   step after the first `up` into dir/<step>.
 */
import Table from "cli-table3";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { HierarchyNode, HierarchySnapshot } from "../contract/hierarchy";
import { END, pulumiEnv } from "../tests/e2e/engine";
import { cpuProfOptions } from "./lib/pulumi-run";
import { buildOnce, startServer, type BenchDb } from "./lib/server";

const DB = (process.env.BENCH_DB ?? "postgres") as BenchDb;
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
/** Units per level below the root: 1 + 4 + 16 + 60 + 119 = 200 folders, 5 levels. */
const LEVELS = [4, 16, 60, 119];
const TARGETS: Record<string, number> = { "no-change preview": 30_000, "10-account change, up": 20_000 };
const account = (n: number) => String(200_000_000_000 + n);
const log = (line: string) => process.stderr.write(`${line}\n`);

function estate(): HierarchySnapshot {
  const nodes: HierarchyNode[] = [{ id: "r-root", kind: "folder", name: "Root", parentId: null }];
  let above = ["r-root"];
  LEVELS.forEach((count, level) => {
    const here = Array.from({ length: count }, (_, i) => `ou-l${level + 2}-${String(i).padStart(8, "0")}`);
    here.forEach((id, i) => nodes.push({ id, kind: "folder", name: `Unit ${level + 2}.${i}`, parentId: above[i % above.length] }));
    above = here;
  });
  for (let a = 0; a < ACCOUNTS; a++) nodes.push({ id: account(a), kind: "leaf", name: `workload ${a}`, parentId: above[a % above.length], meta: { status: "ACTIVE" } });
  return { cloud: "aws", nodes };
}

/** 3 new accounts, 3 moved, 2 renamed, 2 closed. */
function changed(base: HierarchySnapshot): HierarchySnapshot {
  const nodes = base.nodes.map((n) => ({ ...n }));
  const leaf = (a: number) => nodes.find((n) => n.id === account(a))!;
  for (const a of [1, 2, 3]) leaf(a).parentId = "ou-l5-00000100";
  for (const a of [4, 5]) leaf(a).name = `renamed workload ${a}`;
  const closed = new Set([account(6), account(7)]);
  const kept = nodes.filter((n) => !closed.has(n.id));
  for (let k = 0; k < 3; k++) kept.push({ id: String(300_000_000_000 + k), kind: "leaf", name: `new workload ${k}`, parentId: "ou-l5-00000007" });
  return { cloud: "aws", nodes: kept };
}

/** Peak summed RSS of the given process trees (less the excluded ones), sampled every 100 ms from ps. */
function memorySampler(roots: number[], exclude: number[] = []) {
  let peak = 0;
  const sample = () => {
    const rows = execFileSync("ps", ["-eo", "pid=,ppid=,rss="], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/).map(Number));
    const children = new Map<number, number[]>();
    for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    const rss = new Map(rows.map(([pid, , kb]) => [pid, kb]));
    const seen = new Set<number>(exclude);
    const stack = [...roots];
    while (stack.length) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    peak = Math.max(peak, [...seen].filter((pid) => !exclude.includes(pid)).reduce((sum, pid) => sum + (rss.get(pid) ?? 0), 0) * 1024);
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

async function main() {
  buildOnce();
  const server = await startServer({ db: DB });
  const pe = await pulumiEnv();
  const rows: string[][] = [];
  let failed = false;
  try {
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server.url}${url}`, { method, headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    const tenant = await call("POST", "/v1/tenants", { handle: "bench_mirror_pulumi" });
    const base = estate();
    const next = changed(base);
    const { stack, workDir } = await pe.program({
      project: "bench-mirror",
      indexTs: [
        'import * as fs from "node:fs";',
        'import * as pulumi from "@pulumi/pulumi";',
        'import * as sy from "switchyard";',
        "const cfg = new pulumi.Config();",
        'const hierarchy = JSON.parse(fs.readFileSync("snapshot.json", "utf8"));',
        'const mirror = new sy.AwsOrganizationMirror("org", { scopeId: cfg.require("tenantId"), hierarchy });',
        "export const connections = mirror.connectionIds.apply((ids) => Object.keys(ids).length);",
      ].join("\n"),
      files: { "snapshot.json": JSON.stringify(base) },
      config: { tenantId: tenant.id, "switchyard:url": server.url },
    });
    await stack.setConfig("switchyard:token", { value: server.adminToken, secret: true });

    const timed = async <T>(step: string, run: () => Promise<T>, plan: (r: T) => string, check: (r: T) => boolean) => {
      const engine = memorySampler([process.pid], [server.pid]);
      const service = memorySampler([server.pid]);
      // The CLI the automation API starts inherits this process's environment.
      const profDir = process.env.BENCH_CPU_PROF && step !== "first up" ? path.join(process.env.BENCH_CPU_PROF, step.replace(/\W+/g, "-")) : undefined;
      const nodeOptions = process.env.NODE_OPTIONS;
      if (profDir) process.env.NODE_OPTIONS = [nodeOptions, cpuProfOptions(profDir)].filter(Boolean).join(" ");
      const started = process.hrtime.bigint();
      const result = await run().finally(() => {
        if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = nodeOptions;
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [enginePeak, servicePeak] = [engine.stop(), service.stop()];
      const target = TARGETS[step];
      const ok = check(result);
      if (!ok || (target !== undefined && ms >= target && process.env.BENCH_ENFORCE)) failed = true;
      rows.push([step, (ms / 1000).toFixed(1), (enginePeak / 2 ** 20).toFixed(0), (servicePeak / 2 ** 20).toFixed(0), plan(result), ok ? "yes" : "NO", target ? `< ${target / 1000} s` : "", target ? (ms < target ? "yes" : "NO") : ""]);
      log(`${step}: ${(ms / 1000).toFixed(1)} s, ${plan(result)}${ok ? "" : " (UNEXPECTED)"}`);
    };
    const summary = (s: Record<string, number | undefined>) => Object.entries(s).map(([k, v]) => `${k} ${v}`).join(", ");
    const total = base.nodes.length;

    await timed("first up", () => stack.up(), (r) => summary(r.summary.resourceChanges ?? {}), (r) => r.summary.resourceChanges?.create === total + 2 && r.outputs.connections.value === ACCOUNTS);
    await timed("no-change preview", () => stack.preview(), (r) => summary(r.changeSummary), (r) => Object.keys(r.changeSummary).join() === "same");
    await fs.writeFile(path.join(workDir, "snapshot.json"), JSON.stringify(next));
    const exact = (c: Record<string, number | undefined>) => c.create === 3 && c.update === 5 && c.delete === 2 && (c.replace ?? 0) === 0;
    await timed("10-account change, preview", () => stack.preview(), (r) => summary(r.changeSummary), (r) => exact(r.changeSummary));
    await timed("10-account change, up", () => stack.up(), (r) => summary(r.summary.resourceChanges ?? {}), (r) => exact(r.summary.resourceChanges ?? {}));
    log("destroy …");
    await stack.destroy();
  } finally {
    await pe.cleanup();
    await server.stop();
  }

  const table = new Table({ head: ["step", "seconds", "engine peak RSS MiB", "service peak RSS MiB", "plan", "exact", "target", "met"], colAligns: ["left", "right", "right", "right", "left", "left", "left", "left"], style: { head: [], border: [] } });
  table.push(...rows);
  console.log(`\nMirror component: ${ACCOUNTS} accounts in ${1 + LEVELS.reduce((a, b) => a + b, 0)} units (5 levels), @pulumi/pulumi ${END.sdk} (CLI ${END.cli}), Node.js ${process.versions.node}, service on ${DB}`);
  console.log(table.toString());
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
