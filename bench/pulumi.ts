/**
 * The SDK on the real Pulumi engine against the engine's own floor. For each size N: a program of
 * a folder and N `sy.Connection`s (s3 and custom, half in the folder, one in 25 with a secret)
 * against the built service in a child process, and the same inputs on a do-nothing dynamic
 * provider (bench/lib/pulumi-programs.ts), run alternately in one run. Each is timed with the
 * `pulumi` CLI as a user runs it: `up --yes --skip-preview`, a no-change `preview`
 * (--expect-no-changes), an up that changes 10 titles, and `destroy --yes --skip-preview`.
 * Reported: median seconds, the ratio to the floor (target ≤ 1.3×), peak RSS of the program and of
 * the dynamic-provider host, and CPU seconds of the program, host, engine and service.
 *
 *   PATH=~/.cache/switchyard/node-v24.22.3/bin:$PATH npm run bench -- pulumi
 *   node --import tsx bench/pulumi.ts --sizes 300 --repeats 3 --compare before=/tmp/switchyard-before.tgz
 *   node --import tsx bench/pulumi.ts --sizes 300 --variants sdk --cpu-prof /tmp/prof
 * The CLI and @pulumi/pulumi follow the Node.js running the bench (tests/e2e/engine.ts).
 */
import Table from "cli-table3";
import { Command, InvalidArgumentError } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import * as path from "node:path";
import { END, installedPackages, pulumiEnv, type PulumiTestEnv } from "../tests/e2e/engine";
import { call } from "./lib/api";
import { median } from "./lib/load";
import { floorProgram, sdkProgram } from "./lib/pulumi-programs";
import { cpuProfOptions, installTarball, runCli, summaryCount, writeProgram, type CliRun } from "./lib/pulumi-run";
import { loadAverage } from "./lib/proc-tree";
import { buildOnce, postgresReachable, ROOT, startServer, type BenchDb, type RunningServer } from "./lib/server";

const OPS = ["up", "preview", "up 10 changes", "destroy"] as const;
type Op = (typeof OPS)[number];
const TARGET = 1.3;

const positiveInts = (v: string) => {
  const xs = v.split(",").map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 10)) throw new InvalidArgumentError("a comma-separated list of whole numbers ≥ 10");
  return xs;
};
const positiveInt = (v: string) => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new InvalidArgumentError("a whole number ≥ 1");
  return x;
};

const cli = new Command("bench/pulumi.ts")
  .description("the SDK on the real Pulumi engine against a do-nothing dynamic provider")
  .option("--sizes <list>", "resources per stack", positiveInts, [300, 1000])
  .option("--repeats <n>", "runs per size and variant (medians are reported)", positiveInt, 1)
  .option("--db <db>", "the service's database: postgres or pglite (default: postgres when reachable)")
  .option("--variants <list>", "which programs to run: sdk, floor and compared labels", (v) => v.split(",").map((s) => s.trim()))
  .option("--compare <label=tarball>", "also run the SDK program on another build (npm pack tarball); repeatable", (v, acc: string[]) => [...acc, v], [] as string[])
  .option("--cpu-prof <dir>", "write CPU profiles of the program and host (V8, NODE_OPTIONS=--cpu-prof) and of the engine (Go pprof, --profiling) here, and each stack's state before destroy")
  .option("--out <dir>", "where to write the JSON results", path.join(ROOT, "bench", "results"));

interface Variant {
  label: string;
  kind: "sdk" | "floor";
  packages: string;
}

interface OpResult {
  size: number;
  variant: string;
  op: Op;
  runs: CliRun[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function tenantAndToken(server: RunningServer, tag: string): Promise<{ tenantId: string; token: string }> {
  const admin = server.adminToken;
  const tenant = await call<{ id: string }>(server.url, admin, "POST", "/v1/tenants", { handle: `bench_${tag}`, title: `Bench ${tag}` });
  const user = await call<{ id: string }>(server.url, admin, "POST", "/v1/users", { handle: `op_${tag}` });
  await call(server.url, admin, "PUT", `/v1/tenants/${tenant.id}/members/${user.id}`, { role: "operator" });
  const { token } = await call<{ token: string }>(server.url, admin, "POST", "/v1/tokens", { userId: user.id, name: "bench" });
  return { tenantId: tenant.id, token };
}

let runNumber = 0;

/** One stack of one variant through the four operations; each checked against what it should do. */
async function oneRun(pe: PulumiTestEnv, server: RunningServer, v: Variant, size: number, cpuProf?: string): Promise<Record<Op, CliRun>> {
  const tag = `${++runNumber}_${Date.now().toString(36)}`;
  const config: Record<string, string> = { count: String(size), rev: "0" };
  const secretConfig: Record<string, string> = { secretValue: `bench-secret-${tag}` };
  if (v.kind === "sdk") {
    const { tenantId, token } = await tenantAndToken(server, tag);
    Object.assign(config, { tenantId, "switchyard:url": server.url });
    secretConfig["switchyard:token"] = token;
  } else {
    config.tenantId = "tnt_floor";
  }
  const dir = await writeProgram(pe, { name: `${v.label}-${size}-${tag}`, indexTs: v.kind === "sdk" ? sdkProgram() : floorProgram(), packages: v.packages, config, secretConfig });
  const total = size + 2; // the connections, the folder and the stack
  const out = {} as Record<Op, CliRun>;
  const run = async (op: Op, args: string[], check: (r: CliRun) => boolean) => {
    const profDir = cpuProf && path.join(cpuProf, `${size}-${v.label}-${op.replace(/ /g, "-")}`);
    const env = profDir ? { NODE_OPTIONS: cpuProfOptions(profDir) } : undefined;
    // The engine's own profile (Go pprof: `go tool pprof -top <dir>/engine.<pid>.cpu`).
    if (profDir) mkdirSync(profDir, { recursive: true });
    const profiling = profDir ? ["--profiling", path.join(profDir, "engine")] : [];
    const r = await runCli(pe, dir, [...args, ...profiling], { env, serverPid: v.kind === "sdk" ? server.pid : undefined });
    if (!check(r)) throw new Error(`${v.label} ${op} at ${size} did not do what it should:\n${r.output.slice(-3000)}`);
    log(`  ${size} ${v.label.padEnd(8)} ${op.padEnd(14)} ${r.seconds.toFixed(1).padStart(6)} s  program ${r.roles.program.peakMiB.toFixed(0)} MiB, host ${r.roles.host.peakMiB.toFixed(0)} MiB  load ${r.load.toFixed(2)}`);
    out[op] = r;
  };
  await run("up", ["up", "--yes", "--skip-preview"], (r) => summaryCount(r.output, "created") === total);
  await run("preview", ["preview", "--expect-no-changes"], (r) => summaryCount(r.output, "unchanged") === total);
  await runCli(pe, dir, ["config", "set", "rev", "1"]);
  await run("up 10 changes", ["up", "--yes", "--skip-preview"], (r) => summaryCount(r.output, "updated") === 10);
  if (cpuProf) await runCli(pe, dir, ["stack", "export", "--file", path.join(cpuProf, `${size}-${v.label}-state.json`)]);
  await run("destroy", ["destroy", "--yes", "--skip-preview"], (r) => summaryCount(r.output, "deleted") === total);
  await runCli(pe, dir, ["stack", "rm", "--yes", "--force"]);
  return out;
}

/** CPU seconds of every process of a run: program, host, engine and service. */
const cpuTotal = (c: CliRun) => c.roles.program.cpuS + c.roles.host.cpuS + c.roles.engine.cpuS + c.roles.other.cpuS + c.serverCpuS;

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "-");

function report(results: OpResult[], sizes: number[], variants: Variant[]): string {
  const table = new Table({
    head: ["N", "operation", "variant", "s (median)", "min–max", "÷ floor", `≤ ${TARGET}×`, "program MiB", "host MiB", "CPU s prog/host/engine/service", "CPU s all ÷ floor", "load"],
    style: { head: [], border: [] },
    colAligns: ["right", "left", "left", "right", "right", "right", "left", "right", "right", "right", "right", "right"],
  });
  const med = (r: OpResult, f: (c: CliRun) => number) => median(r.runs.map(f));
  for (const size of sizes) {
    for (const op of OPS) {
      const floor = results.find((r) => r.size === size && r.op === op && r.variant === "floor");
      for (const v of variants) {
        const r = results.find((x) => x.size === size && x.op === op && x.variant === v.label);
        if (!r) continue;
        const s = med(r, (c) => c.seconds);
        const ratio = floor && v.kind === "sdk" ? s / med(floor, (c) => c.seconds) : NaN;
        table.push([
          String(size),
          op,
          v.label,
          fmt(s),
          `${fmt(Math.min(...r.runs.map((c) => c.seconds)))}–${fmt(Math.max(...r.runs.map((c) => c.seconds)))}`,
          Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "",
          Number.isFinite(ratio) ? (ratio <= TARGET ? "yes" : "no") : "",
          fmt(med(r, (c) => c.roles.program.peakMiB), 0),
          fmt(med(r, (c) => c.roles.host.peakMiB), 0),
          [med(r, (c) => c.roles.program.cpuS), med(r, (c) => c.roles.host.cpuS), med(r, (c) => c.roles.engine.cpuS), med(r, (c) => c.serverCpuS)].map((x) => fmt(x)).join(" / "),
          floor && v.kind === "sdk" ? `${fmt(med(r, cpuTotal))} ÷ ${fmt(med(floor, cpuTotal))} = ${(med(r, cpuTotal) / med(floor, cpuTotal)).toFixed(2)}×` : fmt(med(r, cpuTotal)),
          fmt(med(r, (c) => c.load), 2),
        ]);
      }
    }
  }
  return table.toString();
}

async function main() {
  const opts = cli.parse(process.argv).opts<{ sizes: number[]; repeats: number; db?: string; variants?: string[]; compare: string[]; cpuProf?: string; out: string }>();
  if (opts.db && opts.db !== "postgres" && opts.db !== "pglite") throw new Error(`--db must be postgres or pglite, not "${opts.db}"`);
  const db: BenchDb = (opts.db as BenchDb | undefined) ?? ((await postgresReachable()) ? "postgres" : "pglite");
  buildOnce();
  log(`bench/pulumi: Node ${process.versions.node}, pulumi CLI ${END.cli}, @pulumi/pulumi ${END.sdk}, service on ${db}, ${cpus().length} cores, load ${loadAverage().toFixed(2)}`);

  const pe = await pulumiEnv();
  const server = await startServer({ db });
  try {
    log("bench/pulumi: installing the packages (npm pack of the checkout) …");
    const all: Variant[] = [{ label: "sdk", kind: "sdk", packages: await installedPackages() }];
    for (const spec of opts.compare) {
      const [label, tarball] = spec.split("=");
      if (!label || !tarball) throw new Error(`--compare wants label=tarball, got "${spec}"`);
      all.push({ label, kind: "sdk", packages: await installTarball(tarball) });
    }
    all.push({ label: "floor", kind: "floor", packages: all[0].packages });
    const variants = opts.variants ? all.filter((v) => opts.variants!.includes(v.label)) : all;
    if (!variants.length) throw new Error(`--variants matched none of ${all.map((v) => v.label).join(", ")}`);

    const results: OpResult[] = [];
    const loads: number[] = [loadAverage()];
    for (const size of opts.sizes) {
      for (let rep = 0; rep < opts.repeats; rep++) {
        // Alternate the variants within a repeat so that a change of the machine's load hits them alike.
        for (const v of rep % 2 ? [...variants].reverse() : variants) {
          const runs = await oneRun(pe, server, v, size, opts.cpuProf);
          for (const op of OPS) {
            let r = results.find((x) => x.size === size && x.variant === v.label && x.op === op);
            if (!r) results.push((r = { size, variant: v.label, op, runs: [] }));
            r.runs.push(runs[op]);
            loads.push(runs[op].load);
          }
        }
      }
    }
    const text = report(results, opts.sizes, variants);
    console.log(text);
    const loadLine = `load average (1 min) during the run: median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)} on ${cpus().length} cores`;
    console.log(loadLine);
    mkdirSync(opts.out, { recursive: true });
    const file = path.join(opts.out, `pulumi-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    const slim = results.map((r) => ({ ...r, runs: r.runs.map(({ output: _output, ...rest }) => rest) }));
    writeFileSync(file, JSON.stringify({ node: process.versions.node, cli: END.cli, sdk: END.sdk, db, sizes: opts.sizes, repeats: opts.repeats, loads, results: slim, table: text }, null, 2));
    console.log(`results: ${path.relative(process.cwd(), file)}`);
  } finally {
    await server.stop();
    await pe.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
