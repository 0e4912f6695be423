/**
 * `npm run bench`: builds once, then runs every bench script in bench/ (each `*.ts` file except this
 * one; helpers live in bench/lib/) one after another, each in its own process so that one bench's
 * servers and memory do not disturb the next. `npm run bench -- connections` runs only the named ones.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { buildOnce } from "./lib/server";

const here = __dirname;
const self = basename(__filename);

const all = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && e.name !== self)
  .map((e) => e.name)
  .sort();
const wanted = process.argv.slice(2).map((a) => a.replace(/\.ts$/, ""));
const scripts = wanted.length ? all.filter((f) => wanted.includes(f.replace(/\.ts$/, ""))) : all;
if (wanted.length && scripts.length !== wanted.length) {
  console.error(`bench: unknown bench script(s): ${wanted.filter((w) => !all.includes(`${w}.ts`)).join(", ")} (have: ${all.join(", ")})`);
  process.exit(2);
}

buildOnce();
const failed: string[] = [];
for (const script of scripts) {
  console.log(`\n=== bench/${script} ===`);
  const res = spawnSync(process.execPath, ["--import", "tsx", join(here, script)], { stdio: "inherit", env: { ...process.env, BENCH_SKIP_BUILD: "1" } });
  if (res.status !== 0) failed.push(`${script} (${res.signal ?? `exit ${res.status}`})`);
}
console.log(`\nbench: ran ${scripts.length} script(s)${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
process.exit(failed.length ? 1 : 0);
