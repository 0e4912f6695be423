// The names under which each resource's `__provider` requires its provider (provider/lazy.ts).
// @pulumi/pulumi 3.276 writes `switchyard/provider/entries/<kind>`; 3.248 writes the file's own
// path, `switchyard/dist/provider/entries/<kind>.js`, when the install folder's path holds the
// package name earlier (e.g. ~/switchyard-infra/node_modules/switchyard). State written by either
// must load in the dynamic-provider host, and so must state from the earlier shim, which required
// `switchyard/provider/<kind>`. Resolved through package.json `exports` (self-reference), as an
// installed package is; needs dist/ (built by `npm ci` / `npm run build`).
import { expect } from "chai";
import * as path from "node:path";

const KINDS = ["connection", "folder", "grant", "attachment", "organization", "workspace", "member", "integration"] as const;
const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;
const dist = path.join(__dirname, "..", "..", "dist", "provider");

describe("provider entries: every name a resource's state may require", () => {
  for (const kind of KINDS) {
    it(`${kind}: both entry names resolve to one module with every method, and the real provider loads`, () => {
      const byExport = require.resolve(`switchyard/provider/entries/${kind}`);
      const byPath = require.resolve(`switchyard/dist/provider/entries/${kind}.js`);
      expect(byExport).to.equal(path.join(dist, "entries", `${kind}.js`));
      expect(byPath).to.equal(byExport);
      const entry = require(byExport) as Record<string, unknown>;
      for (const m of METHODS) expect(entry[m], `${kind}.${m}`).to.be.a("function");
      // What the lazy entry loads, and what state written by the earlier shim requires.
      const real = require(`switchyard/provider/${kind}`) as { provider?: Record<string, unknown> };
      // Grants and attachments have no update: every change to them replaces.
      const needed = kind === "grant" || kind === "attachment" ? METHODS.filter((m) => m !== "update") : METHODS;
      for (const m of needed) expect(real.provider?.[m], `provider/${kind}.${m}`).to.be.a("function");
    });
  }
});
