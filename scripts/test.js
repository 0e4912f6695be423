#!/usr/bin/env node
// `npm test`: the whole suite (API tests on PGlite and PostgreSQL, the SDK on the real Pulumi
// engine). Runs mocha over tests/**/*.test.ts, or over the files given as arguments, and closes
// with one plain "N passed, N failed, N skipped" line.
const { spawn } = require("node:child_process");
const { readdirSync, statSync } = require("node:fs");
const { join, relative } = require("node:path");

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

const files = process.argv.slice(2).length ? process.argv.slice(2) : findTests(join(root, "tests"));
const mocha = join(root, "node_modules", "mocha", "bin", "mocha.js");
const child = spawn(process.execPath, [mocha, "--reporter", "spec", ...files], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });

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
  const passed = count("passing");
  const failed = count("failing");
  const skipped = count("pending");
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (signal) {
    console.error(`mocha was killed by ${signal}`);
    process.exit(1);
  }
  if (passed === 0 && code === 0) {
    console.error("no test ran");
    process.exit(1);
  }
  process.exit(code ?? 1);
});
