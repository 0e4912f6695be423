/**
 * `npm run bench`: builds once, then runs the bench scripts in bench/ (each `*.ts` file except this
 * one; helpers live in bench/lib/) one after another, each in its own process so that one bench's
 * servers and memory do not disturb the next, and writes one report, bench/out/report.md (BENCH_OUT
 * to change the folder): the connections bench as a markdown table with two plots beside it
 * (throughput and latency percentiles per request and database, with their /healthz baselines;
 * SVG, drawn by vega-lite), and what every other bench printed.
 *
 * By default it runs every bench except those that drive the real Pulumi engine (ENGINE_BENCHES:
 * minutes each, and they need the engine installed); name them to run them:
 * `npm run bench -- connections`, `npm run bench -- pulumi mirror`, `npm run bench -- all`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Measured } from "./lib/load";
import { resultMarkdown, resultPlots } from "./lib/report";
import { buildOnce, OUT_DIR } from "./lib/server";

const here = __dirname;
const self = basename(__filename);
/** Benches that drive the Pulumi engine: only when named. */
const ENGINE_BENCHES = ["pulumi", "mirror"];

const all = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && e.name !== self)
  .map((e) => e.name.replace(/\.ts$/, ""))
  .sort();
const wanted = process.argv.slice(2).map((a) => a.replace(/\.ts$/, ""));
const scripts = wanted.includes("all") ? all : wanted.length ? all.filter((f) => wanted.includes(f)) : all.filter((f) => !ENGINE_BENCHES.includes(f));
if (wanted.length && !wanted.includes("all") && scripts.length !== wanted.length) {
  console.error(`bench: unknown bench script(s): ${wanted.filter((w) => !all.includes(w)).join(", ")} (have: ${all.join(", ")}, or all)`);
  process.exit(2);
}

async function main() {
  buildOnce();
  mkdirSync(OUT_DIR, { recursive: true });
  rmSync(join(OUT_DIR, "connections.json"), { force: true });
  const failed: string[] = [];
  const printed: { script: string; stdout: string; status: string }[] = [];
  for (const script of scripts) {
    console.log(`\n=== bench/${script} ===`);
    // The bench's stdout (its figures) is kept for the report and shown; its stderr (progress) is shown.
    const res = spawnSync(process.execPath, ["--import", "tsx", join(here, `${script}.ts`)], { stdio: ["inherit", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, BENCH_SKIP_BUILD: "1", BENCH_OUT: OUT_DIR } });
    process.stdout.write(res.stdout ?? "");
    const status = res.status === 0 ? "ok" : `failed (${res.signal ?? `exit ${res.status}`})`;
    if (res.status !== 0) failed.push(`${script} (${res.signal ?? `exit ${res.status}`})`);
    printed.push({ script, stdout: res.stdout ?? "", status });
  }
  const report = await writeReport(printed);
  console.log(`\nbench: ran ${scripts.length} script(s)${failed.length ? `; failed: ${failed.join(", ")}` : ""}; report: ${report}`);
  process.exit(failed.length ? 1 : 0);
}

async function writeReport(printed: { script: string; stdout: string; status: string }[]): Promise<string> {
  const lines = [`# Switchyard benchmarks`, "", `Written by \`npm run bench${wanted.length ? ` -- ${wanted.join(" ")}` : ""}\` on ${new Date().toISOString()}.`, ""];
  const connectionsFile = join(OUT_DIR, "connections.json");
  if (existsSync(connectionsFile)) {
    const c = JSON.parse(readFileSync(connectionsFile, "utf8")) as { settings: { connections: number; repeats: number; duration: number }; node: string; cpus: string; byDb: { db: string; results: Measured[] }[] };
    const plots = await resultPlots(c.byDb, "Connections API");
    writeFileSync(join(OUT_DIR, "connections-throughput.svg"), plots.throughput);
    writeFileSync(join(OUT_DIR, "connections-latency.svg"), plots.latency);
    lines.push(
      "## Connections API (bench/connections.ts)",
      "",
      `Full stack (the built server in a child process, autocannon in the bench process), ${c.settings.connections} connections, median of ${c.settings.repeats} × ${c.settings.duration} s; node ${c.node}, ${c.cpus}. ` +
        "Ratios are to GET /healthz of the same server; CPU in percent of one core (server / load generator / PostgreSQL / everything else on the machine).",
      "",
      await resultMarkdown(c.byDb),
      "",
      "![throughput per request and database, beside the /healthz baseline](connections-throughput.svg)",
      "",
      "![latency percentiles p50, p90, p99 per request and database](connections-latency.svg)",
      "",
    );
  }
  for (const p of printed) {
    if (p.script === "connections" && existsSync(connectionsFile) && p.status === "ok") continue;
    lines.push(`## bench/${p.script}.ts (${p.status})`, "", "```text", p.stdout.trim() || "(printed nothing)", "```", "");
  }
  const file = join(OUT_DIR, "report.md");
  writeFileSync(file, lines.join("\n"));
  return file;
}

main().catch((err: Error) => {
  console.error(`bench: ${err.stack ?? err.message}`);
  process.exit(1);
});
