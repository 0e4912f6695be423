// A program that throws must fail its preview fast, with its own error text, on the Node.js that
// runs mocha. On Node.js 20.19.6+, 22.20+ and 24.7–24.18 this holds only because the engine's
// language host preloads the inspect guard; without it, @pulumi/pulumi's report of the error makes
// util.inspect loop for a minute or more and about 4 GB (docs/node20-trap.md).
//
// Both programs export their body as an async function, as many Pulumi programs do: the error's
// stack is then short enough (Error.stackTraceLimit is 10) to keep the frame that trips the loop,
// `Stack.initializeAndRegisterOutputs (…/node_modules/@pulumi/resource.ts:…)`. A TypeScript
// program that throws at its top level has ts-node's frames in between, so the frame falls off.
import { expect } from "chai";
import { pulumiEnv, PulumiTestEnv } from "./engine";

/** The longest a failing preview may take; a healthy one takes a few seconds. */
const BOUND_MS = 30_000;

/** Runs a preview that must fail within BOUND_MS and resolves to its error text. */
async function failingPreview(pe: PulumiTestEnv, indexTs: string): Promise<{ text: string; ms: number }> {
    const { stack } = await pe.program({ indexTs });
    const signal = AbortSignal.timeout(BOUND_MS);
    const started = Date.now();
    try {
        await stack.preview({ signal });
    } catch (err) {
        if (signal.aborted) {
            throw new Error(
                `the preview of a failing program was still running after ${BOUND_MS / 1000} s on Node.js ` +
                    `${process.version}: the util.inspect trap (docs/node20-trap.md). Is the engine's ` +
                    `pulumi-language-nodejs the script that preloads inspect-guard.js?`,
            );
        }
        return { text: String((err as Error).message), ms: Date.now() - started };
    }
    throw new Error("the preview of a program that throws succeeded");
}

describe(`e2e: a program that throws (Node.js ${process.version})`, function () {
    this.timeout(BOUND_MS + 180_000); // the bound, plus a cold engine lookup and stack creation

    let pe: PulumiTestEnv;
    before(async () => {
        pe = await pulumiEnv();
    });
    after(async () => {
        await pe?.cleanup();
    });

    it("reports the thrown error, within the bound", async () => {
        const { text, ms } = await failingPreview(
            pe,
            `import * as pulumi from "@pulumi/pulumi";\n` +
                `export = async () => {\n` +
                `    await new Promise((resolve) => setTimeout(resolve, 10));\n` +
                `    new pulumi.Config();\n` +
                `    throw new Error("the program failed on purpose");\n` +
                `};\n`,
        );
        expect(text).to.contain("failed with an unhandled exception");
        expect(text).to.contain("Error: the program failed on purpose");
        expect(text, "the stack no longer has the frame that trips the loop").to.contain("node_modules/@pulumi/resource.ts");
        expect(text).to.not.contain("heap out of memory");
        expect(ms).to.be.below(BOUND_MS);
    });

    it("reports a misspelled resource class as a TypeError, within the bound", async () => {
        // require() gives `any`, so the misspelling passes the type check and fails at run time,
        // as it does in a JavaScript program.
        const { text, ms } = await failingPreview(
            pe,
            `const pulumi = require("@pulumi/pulumi");\n` +
                `export = async () => {\n` +
                `    new pulumi.ComponentResorce("e2e:index:Thing", "thing");\n` +
                `};\n`,
        );
        expect(text).to.contain("failed with an unhandled exception");
        expect(text).to.match(/TypeError: pulumi\.ComponentResorce is not a constructor/);
        expect(text, "the stack no longer has the frame that trips the loop").to.contain("node_modules/@pulumi/resource.ts");
        expect(text).to.not.contain("heap out of memory");
        expect(ms).to.be.below(BOUND_MS);
    });
});
