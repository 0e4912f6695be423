// The inspect guard (sdk/inspect-guard.ts): which stacks trap util.inspect, and that a process
// with the guard prints such an error at once where one without it runs out of memory on the
// affected Node.js versions (docs/node20-trap.md).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { inspectLoops, loopingLine } from "../../sdk/inspect-guard";

const GUARD = path.resolve(__dirname, "..", "..", "sdk", "inspect-guard.ts");

/** A frame as @pulumi/pulumi's source maps render one of its top-level files. */
const TRAP_FRAME = "    at async Stack.initializeAndRegisterOutputs (/p/node_modules/@pulumi/resource.ts:637:22)";

/** The Node.js versions whose util.inspect loops on TRAP_FRAME with colors. */
function affected(version: string): boolean {
    const [major, minor, patch] = version.replace(/^v/, "").split(".").map(Number);
    const at = minor * 1000 + patch;
    if (major === 20) return at >= 19006;
    if (major === 22) return at >= 20000;
    if (major === 24) return at >= 7000 && at < 19000;
    return false;
}

/** Runs a child Node.js with a 64 MB heap that inspects an error whose stack holds TRAP_FRAME. */
function inspectInChild(withGuard: boolean) {
    const script = [
        withGuard ? `require(${JSON.stringify(GUARD)});` : "",
        `const err = new Error("program failed");`,
        `err.stack = "Error: program failed\\n" + ${JSON.stringify(TRAP_FRAME)};`,
        `process.stdout.write(require("node:util").inspect(err, { colors: true }));`,
    ].join("\n");
    const started = Date.now();
    const child = spawnSync(process.execPath, ["--import", "tsx", "--max-old-space-size=64", "-e", script], {
        encoding: "utf8",
        timeout: 20_000,
    });
    return { ...child, ms: Date.now() - started };
}

describe("inspect guard", () => {
    describe("loopingLine", () => {
        it("finds a scoped package with no separator after its name", () => {
            expect(loopingLine(`Error: x\n${TRAP_FRAME}`)).to.equal(TRAP_FRAME);
        });

        it("finds an unscoped package with no separator after its name (Windows paths too)", () => {
            expect(loopingLine("    at f (/app/node_modules/foo.js:1:1)")).to.be.a("string");
            expect(loopingLine("    at f (C:\\app\\node_modules\\foo.js:1:1)")).to.be.a("string");
        });

        it("passes ordinary node_modules frames, nested ones and look-alike folders", () => {
            const stack = [
                "Error: x",
                "    at f (/p/node_modules/@pulumi/pulumi/cmd/run/run.js:1:1)",
                "    at g (/p/node_modules/a/node_modules/@s/b/index.js:2:2)",
                "    at h (/p/node_modules_backup/foo.js:3:3)",
                "    at i (/p/my_node_modules/x.js:4:4)",
            ].join("\n");
            expect(loopingLine(stack)).to.equal(undefined);
        });
    });

    describe("inspectLoops", () => {
        it("looks through cause and aggregated errors, and ignores what is not an error", () => {
            const bad = new Error("inner");
            bad.stack = `Error: inner\n${TRAP_FRAME}`;
            expect(inspectLoops(bad)).to.equal(true);
            expect(inspectLoops(new Error("outer", { cause: bad }))).to.equal(true);
            expect(inspectLoops(new AggregateError([new Error("ok"), bad]))).to.equal(true);
            expect(inspectLoops(new Error("plain"))).to.equal(false);
            expect(inspectLoops({ stack: TRAP_FRAME })).to.equal(false);
        });
    });

    describe(`in a child Node.js (${process.version}, 64 MB heap)`, function () {
        this.timeout(60_000);

        it("with the guard, prints the error without colors at once", () => {
            const child = inspectInChild(true);
            expect(child.status, child.stderr).to.equal(0);
            expect(child.stdout).to.equal(`Error: program failed\n${TRAP_FRAME}`);
            expect(child.ms).to.be.below(10_000);
        });

        it(`without the guard, ${affected(process.version) ? "runs out of memory" : "prints the error"} on this version`, () => {
            const child = inspectInChild(false);
            if (affected(process.version)) {
                expect(child.status, "the unguarded inspect returned").to.not.equal(0);
                expect(child.stderr).to.match(/heap out of memory/);
            } else {
                expect(child.status, child.stderr).to.equal(0);
                expect(child.stdout).to.contain("program failed");
            }
        });
    });
});
