/**
 * The client-side mirror at size (SPEC §6, §9), through the real Pulumi engine: an AWS
 * organization of 1,000 accounts in 200 organizational units, 5 levels deep, mirrored by
 * `sy.AwsOrganizationMirror` into a tenant of the built service (its own process). Each step is
 * timed with the `pulumi` CLI as a user runs it (bench/lib/pulumi-run.ts):
 *   - the first `up --yes --skip-preview` (every folder and connection created),
 *   - a `preview --expect-no-changes` (the engine checks and diffs every resource),
 *   - a 10-account change (3 new, 3 moved, 2 renamed, 2 closed) as `preview --diff` (its counts
 *     must be exactly those: 3 creates, 5 updates, 2 deletes; the first one's output is written to
 *     bench/out/mirror-preview-diff.txt) and as `up --yes --skip-preview`,
 * with the CPU time and peak memory of each process the CLI starts (the engine, the program, the
 * dynamic-provider host; read from /proc every 200 ms) and of the service. Targets: no-change
 * preview < 30 s, 10-account change applied < 20 s.
 * The service-side path (an integration's sync of the same estate) is bench/mirror-sync.ts:
 * `npm run bench -- mirror mirror-sync` runs both.
 *
 *   npm run bench -- mirror
 * Settings: BENCH_DB=postgres|pglite (postgres)  BENCH_ACCOUNTS (1000)  BENCH_ENFORCE=1 exits 1 when a target is missed.
 *   BENCH_VARIANTS (sdk,floor): floor runs the same steps on the same tree of resources with a
 *   do-nothing provider (bench/lib/pulumi-programs.ts): what the engine costs by itself here.
 *   BENCH_ROUNDS (1): apply the 10-account change this many times, undoing it (untimed) in between.
 *   BENCH_CPU_PROF=dir writes V8 CPU profiles of the program and the dynamic-provider host of each
 *   step after the first `up` into dir/<step>.
 */
import Table from "cli-table3";
import { mkdirSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { HierarchyNode, HierarchySnapshot } from "../contract/hierarchy";
import { AWS_REGIONS } from "../contract/mirror";
import { END, installedPackages, pulumiEnv } from "../tests/e2e/engine";
import { call } from "./lib/api";
import { median } from "./lib/load";
import { mirrorFloorProgram } from "./lib/pulumi-programs";
import { hwmKiB } from "./lib/proc-tree";
import { cpuProfOptions, planOf, runCli, writeProgram, type CliRun } from "./lib/pulumi-run";
import { buildOnce, OUT_DIR, startServer, type BenchDb } from "./lib/server";

const DB = (process.env.BENCH_DB ?? "postgres") as BenchDb;
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
/** How many times the 10-account change is previewed and applied (undone, untimed, in between). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
/** Units per level below the root: 1 + 4 + 16 + 60 + 119 = 200 folders, 5 levels. */
const LEVELS = [4, 16, 60, 119];
const TARGETS: Record<string, number> = { "no-change preview": 30_000, "10-account change, up": 20_000 };
const targetOf = (step: string) => TARGETS[step.replace(/ \(round \d+\)$/, "")];
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

interface Step {
  variant: Variant;
  step: string;
  run: CliRun;
  plan: Record<string, number>;
  ok: boolean;
}

type Variant = "sdk" | "floor";
/** sdk: `sy.AwsOrganizationMirror` against the service; floor: the same tree on a do-nothing provider. */
const VARIANTS = (process.env.BENCH_VARIANTS ?? "sdk,floor").split(",").map((v) => v.trim()) as Variant[];
if (!VARIANTS.length || VARIANTS.some((v) => v !== "sdk" && v !== "floor")) throw new Error(`BENCH_VARIANTS: a comma-separated list of sdk and floor, not "${process.env.BENCH_VARIANTS}"`);

const SDK_PROGRAM = [
  'import * as fs from "node:fs";',
  'import * as pulumi from "@pulumi/pulumi";',
  'import * as sy from "switchyard";',
  "const cfg = new pulumi.Config();",
  'const hierarchy = JSON.parse(fs.readFileSync("snapshot.json", "utf8"));',
  'const mirror = new sy.AwsOrganizationMirror("org", { scopeId: cfg.require("tenantId"), hierarchy });',
  "export const connections = mirror.connectionIds.apply((ids) => Object.keys(ids).length);",
].join("\n");

async function main() {
  buildOnce();
  const server = await startServer({ db: DB });
  const pe = await pulumiEnv();
  const steps: Step[] = [];
  let failed = false;
  try {
    const tenant = await call<{ id: string }>(server.url, server.adminToken, "POST", "/v1/tenants", { handle: "bench_mirror_pulumi" });
    const base = estate();
    const next = changed(base);
    const total = base.nodes.length;
    const exact = (c: Record<string, number>) => c.create === 3 && c.update === 5 && c.delete === 2 && (c.replace ?? 0) === 0;

    for (const variant of VARIANTS) {
      const dir = await writeProgram(pe, {
        name: `mirror-${variant}`,
        indexTs: variant === "sdk" ? SDK_PROGRAM : mirrorFloorProgram(AWS_REGIONS),
        packages: await installedPackages(),
        config: { tenantId: tenant.id, "switchyard:url": server.url },
        secretConfig: { "switchyard:token": server.adminToken },
      });
      const snapshot = (s: HierarchySnapshot) => fs.writeFile(path.join(dir, "snapshot.json"), JSON.stringify(s));
      await snapshot(base);

      const timed = async (step: string, args: string[], check: (plan: Record<string, number>) => boolean) => {
        // CPU profiles: every Node.js process the CLI starts inherits NODE_OPTIONS.
        const profDir = process.env.BENCH_CPU_PROF && step !== "first up" ? path.join(process.env.BENCH_CPU_PROF, `${variant}-${step.replace(/\W+/g, "-")}`) : undefined;
        const env = profDir ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, cpuProfOptions(profDir)].filter(Boolean).join(" ") } : undefined;
        const run = await runCli(pe, dir, args, { env, serverPid: server.pid });
        const plan = planOf(run.output);
        const ok = check(plan);
        const target = variant === "sdk" ? targetOf(step) : undefined;
        if (!ok || (target !== undefined && run.seconds * 1000 >= target && process.env.BENCH_ENFORCE)) failed = true;
        steps.push({ variant, step, run, plan, ok });
        log(`${variant} ${step}: ${run.seconds.toFixed(1)} s, ${planText(plan)}${ok ? "" : " (UNEXPECTED)"}  load ${run.load.toFixed(2)}`);
        return run;
      };

      await timed("first up", ["up", "--yes", "--skip-preview"], (c) => c.create === total + 2);
      await timed("no-change preview", ["preview", "--expect-no-changes"], (c) => Object.keys(c).join() === "same");
      for (let round = 1; round <= ROUNDS; round++) {
        const suffix = ROUNDS > 1 ? ` (round ${round})` : "";
        await snapshot(next);
        const preview = await timed(`10-account change, preview${suffix}`, ["preview", "--diff"], exact);
        if (round === 1 && variant === "sdk") {
          mkdirSync(OUT_DIR, { recursive: true });
          writeFileSync(path.join(OUT_DIR, "mirror-preview-diff.txt"), preview.output);
        }
        await timed(`10-account change, up${suffix}`, ["up", "--yes", "--skip-preview"], exact);
        if (round === ROUNDS) break;
        // Back to the first estate (2 created, 5 updated, 3 deleted), untimed, for the next round.
        await snapshot(base);
        const back = planOf((await runCli(pe, dir, ["up", "--yes", "--skip-preview"])).output);
        if (back.create !== 2 || back.update !== 5 || back.delete !== 3) throw new Error(`undoing the change planned ${planText(back)}`);
      }
      log(`${variant} destroy …`);
      await runCli(pe, dir, ["destroy", "--yes", "--skip-preview"]);
      // Every program's project is "bench": the next variant's stack takes its name.
      await runCli(pe, dir, ["stack", "rm", "--yes", "--force"]);
    }
  } finally {
    const serviceMiB = hwmKiB(server.pid) / 1024;
    await pe.cleanup();
    await server.stop();
    report(steps, serviceMiB);
  }
  if (failed) process.exit(1);
}

function planText(plan: Record<string, number>): string {
  return Object.entries(plan)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function report(steps: Step[], serviceMiB: number) {
  const f1 = (x: number) => x.toFixed(1);
  const table = new Table({
    head: ["variant", "step", "seconds", "CPU s program / host / engine / service", "peak MiB program / host / engine", "plan", "exact", "target", "met"],
    colAligns: ["left", "left", "right", "right", "right", "left", "left", "left", "left"],
    style: { head: [], border: [] },
  });
  for (const { variant, step, run, plan, ok } of steps) {
    const target = variant === "sdk" ? targetOf(step) : undefined;
    const r = run.roles;
    table.push([variant, step, f1(run.seconds), [r.program.cpuS, r.host.cpuS, r.engine.cpuS, run.serverCpuS].map(f1).join(" / "), [r.program.peakMiB, r.host.peakMiB, r.engine.peakMiB].map((x) => x.toFixed(0)).join(" / "), planText(plan), ok ? "yes" : "NO", target ? `< ${target / 1000} s` : "", target ? (run.seconds * 1000 < target ? "yes" : "NO") : ""]);
  }
  console.log(`\nMirror component: ${ACCOUNTS} accounts in ${1 + LEVELS.reduce((a, b) => a + b, 0)} units (5 levels), the pulumi CLI ${END.cli} and @pulumi/pulumi ${END.sdk}, Node.js ${process.versions.node}, service on ${DB} (peak ${serviceMiB.toFixed(0)} MiB)`);
  console.log(table.toString());

  // Medians per step kind, and the SDK against the floor (what the engine costs by itself).
  const kinds = ["no-change preview", "10-account change, preview", "10-account change, up"];
  const medianOf = (variant: Variant, kind: string) => {
    const xs = steps.filter((s) => s.variant === variant && s.step.replace(/ \(round \d+\)$/, "") === kind).map((s) => s.run.seconds);
    return xs.length ? { m: median(xs), lo: Math.min(...xs), hi: Math.max(...xs), n: xs.length } : undefined;
  };
  const summary = new Table({ head: ["step", "sdk s: median (min–max, runs)", "floor s: median (min–max, runs)", "sdk ÷ floor", "target", "sdk met"], style: { head: [], border: [] } });
  for (const kind of kinds) {
    const [sdk, floor] = [medianOf("sdk", kind), medianOf("floor", kind)];
    const cell = (x?: { m: number; lo: number; hi: number; n: number }) => (x ? `${f1(x.m)} (${f1(x.lo)}–${f1(x.hi)}, ${x.n})` : "–");
    const target = TARGETS[kind];
    summary.push([kind, cell(sdk), cell(floor), sdk && floor ? `${(sdk.m / floor.m).toFixed(2)}×` : "–", target ? `< ${target / 1000} s` : "", target && sdk ? (sdk.m * 1000 < target ? "yes" : "NO") : ""]);
  }
  console.log(summary.toString());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
