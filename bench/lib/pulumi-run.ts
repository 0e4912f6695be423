import { spawn } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { END, type PulumiTestEnv } from "../../tests/e2e/engine";
import { loadAverage, procTicks, watchTree, type Role, type RoleFigures } from "./proc-tree";

/**
 * Running the `pulumi` CLI as a user does (`--non-interactive`, in the program's folder), timed,
 * with the peak memory and CPU time of each process it starts (see proc-tree.ts) and the CPU time
 * of the service meanwhile.
 */
export interface CliRun {
  seconds: number;
  output: string;
  roles: Record<Role, RoleFigures>;
  /** CPU seconds the service process spent during the run. */
  serverCpuS: number;
  /** The 1-minute load average at the end of the run. */
  load: number;
}

export async function runCli(pe: PulumiTestEnv, cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; serverPid?: number } = {}): Promise<CliRun> {
  const env = { ...pe.env, ...opts.env };
  const server0 = opts.serverPid ? procTicks(opts.serverPid) : 0;
  const t0 = performance.now();
  const child = spawn(path.join(pe.engineDir, "pulumi"), [...args, "--non-interactive", "--color", "never"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const watch = watchTree(child.pid as number);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  });
  const seconds = (performance.now() - t0) / 1000;
  const roles = watch.stop();
  const serverCpuS = opts.serverPid ? (procTicks(opts.serverPid) - server0) / 100 : 0;
  if (code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${code}:\n${output.slice(-6000)}`);
  return { seconds, output, roles, serverCpuS, load: loadAverage() };
}

/**
 * Plan counts from the CLI's summary, by operation: "+ 3 to create" in a preview and "+ 3 created"
 * in an update both count as create; "495 unchanged" as same.
 */
export function planOf(output: string): Record<string, number> {
  const plan: Record<string, number> = {};
  const words: Record<string, string> = { create: "create", created: "create", update: "update", updated: "update", delete: "delete", deleted: "delete", replace: "replace", replaced: "replace", unchanged: "same" };
  for (const m of output.matchAll(/^\s+(?:[-+~] |\+-)?(\d+) (?:to )?(create|created|update|updated|delete|deleted|replace|replaced|unchanged)\s*$/gm)) plan[words[m[2]]] = Number(m[1]);
  return plan;
}

/** The count in the summary line "    + 302 created" (0 when absent). */
export function summaryCount(output: string, what: "created" | "updated" | "deleted" | "unchanged"): number {
  return planOf(output)[{ created: "create", updated: "update", deleted: "delete", unchanged: "same" }[what]] ?? 0;
}

/**
 * Writes a program folder (Pulumi.yaml, package.json, index.ts, node_modules linked to an
 * installed set of packages) and creates its stack with the given config; secrets via
 * `secretConfig`.
 */
export async function writeProgram(pe: PulumiTestEnv, spec: { name: string; indexTs: string; packages: string; config: Record<string, string>; secretConfig: Record<string, string> }): Promise<string> {
  const dir = path.join(pe.root, spec.name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "Pulumi.yaml"), `name: bench\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`);
  await fs.writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "bench", version: "0.0.0", private: true, main: "index.ts" }, null, 2));
  await fs.writeFile(path.join(dir, "index.ts"), spec.indexTs);
  await fs.symlink(path.join(spec.packages, "node_modules"), path.join(dir, "node_modules"), "dir");
  await runCli(pe, dir, ["stack", "init", "bench"]);
  for (const [k, v] of Object.entries(spec.config)) await runCli(pe, dir, ["config", "set", k, v]);
  for (const [k, v] of Object.entries(spec.secretConfig)) await runCli(pe, dir, ["config", "set", "--secret", k, v]);
  return dir;
}

const exec = promisify(execFile);

/**
 * Another build of switchyard (an `npm pack` tarball, e.g. of an earlier commit) installed with
 * this end's @pulumi/pulumi and TypeScript, as installedPackages() does for the checkout.
 */
export async function installTarball(tarball: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `switchyard-bench-install-`));
  await fs.writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "program", private: true, dependencies: { "@pulumi/pulumi": END.sdk, switchyard: `file:${path.resolve(tarball)}` }, devDependencies: { typescript: "~5.9.3" } }, null, 2),
  );
  await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, maxBuffer: 64 << 20 });
  return dir;
}

/**
 * NODE_OPTIONS that make every Node.js process of a Pulumi run (the program and the
 * dynamic-provider host) write a V8 CPU profile into `dir`. The engine ends the host with a
 * signal, and Node.js writes a --cpu-prof profile only on a normal exit: a preload turns SIGINT and
 * SIGTERM into process.exit().
 */
export function cpuProfOptions(dir: string): string {
  const preloadDir = path.join(os.tmpdir(), "switchyard-bench-preload");
  mkdirSync(preloadDir, { recursive: true });
  const preload = path.join(preloadDir, "exit-on-signal.js");
  writeFileSync(preload, `for (const s of ["SIGINT", "SIGTERM"]) process.once(s, () => process.exit(130));\n`);
  return `--cpu-prof --cpu-prof-dir=${dir} --require ${preload}`;
}
