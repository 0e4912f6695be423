#!/usr/bin/env node
// The `switchyard` command (package.json "bin"). The work is in main.ts, which tests call directly.
import { main } from "./main";

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
