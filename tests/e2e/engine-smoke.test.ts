// Smoke test: the real Pulumi engine (v3.248.0) runs a TypeScript program with
// one dynamic resource through preview, up, a no-op up, refresh and destroy,
// driven by the Automation API in a hermetic environment (see ./engine.ts).
import { expect } from "chai";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { PULUMI_VERSION, PulumiTestEnv, pulumiEnv } from "./engine";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: "widget-" + inputs.name, outs: { name: inputs.name, greeting: "hello " + inputs.name } };
    },
};

class Widget extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;
    public readonly greeting!: pulumi.Output<string>;
    constructor(name: string, args: { name: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { greeting: undefined, ...args }, opts);
    }
}

const w = new Widget("widget", { name: "world" });
export const widgetId = w.id;
export const greeting = w.greeting;
`;

const DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
const STACK_TYPE = "pulumi:pulumi:Stack";
// The engine also reports the default provider resource for the dynamic provider;
// provider resources are not counted in the change summaries.
const PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";

/**
 * Records, per resource URN, the step the engine reports in its event stream:
 * "pre" = resourcePreEvent (the planned step, what preview shows), "outputs" =
 * resOutputsEvent (the completed step). Keyed by URN because the engine may
 * report a resource's outputs more than once (the stack's, during preview).
 */
function recorder(kind: "pre" | "outputs") {
    const byUrn = new Map<string, { op: string; type: string }>();
    const onEvent = (e: EngineEvent) => {
        const m = kind === "pre" ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
        if (m) byUrn.set(m.urn, { op: m.op, type: m.type });
    };
    return {
        onEvent,
        get ops() {
            return [...byUrn.values()];
        },
    };
}

function expected(op: string) {
    return [
        { op, type: STACK_TYPE },
        { op, type: PROVIDER_TYPE },
        { op, type: DYNAMIC_TYPE },
    ];
}

describe("e2e: Pulumi engine smoke test", function () {
    // The first run may build the engine from source (minutes); later runs take seconds.
    this.timeout(900_000);

    let pe: PulumiTestEnv;
    let stack: Stack;
    const output: string[] = [];
    const onOutput = (s: string) => output.push(s);

    before(async function () {
        pe = await pulumiEnv();
        ({ stack } = await pe.program({ project: "engine-smoke", indexTs: PROGRAM }));
    });

    after(async function () {
        await pe?.cleanup();
    });

    afterEach(function () {
        // Show what the engine said when a step fails.
        if (this.currentTest?.state === "failed") process.stderr.write(output.join(""));
        output.length = 0;
    });

    it("uses the pinned CLI version", async function () {
        expect(pe.pulumiCommand.version?.toString()).to.equal(PULUMI_VERSION);
        expect(stack.workspace.pulumiVersion).to.equal(PULUMI_VERSION);
    });

    it("preview plans the stack and the dynamic resource as creates", async function () {
        const rec = recorder("pre");
        const res = await stack.preview({ onOutput, onEvent: rec.onEvent, color: "never" });
        expect(res.changeSummary).to.deep.equal({ create: 2 });
        expect(rec.ops).to.have.deep.members(expected("create"));
    });

    it("up creates both and exports the provider's outputs", async function () {
        const rec = recorder("outputs");
        const res = await stack.up({ onOutput, onEvent: rec.onEvent, color: "never" });
        expect(res.summary.result).to.equal("succeeded");
        expect(res.summary.kind).to.equal("update");
        expect(res.summary.resourceChanges).to.deep.equal({ create: 2 });
        expect(rec.ops).to.have.deep.members(expected("create"));
        expect(res.outputs.widgetId.value).to.equal("widget-world");
        expect(res.outputs.greeting.value).to.equal("hello world");

        const state = await stack.exportStack();
        const widget = state.deployment.resources.find((r: any) => r.type === DYNAMIC_TYPE);
        expect(widget.id).to.equal("widget-world");
        expect(widget.outputs.greeting).to.equal("hello world");
    });

    it("a second up changes nothing", async function () {
        const rec = recorder("outputs");
        const res = await stack.up({ onOutput, onEvent: rec.onEvent, color: "never" });
        expect(res.summary.result).to.equal("succeeded");
        expect(res.summary.resourceChanges).to.deep.equal({ same: 2 });
        expect(rec.ops).to.have.deep.members(expected("same"));
        expect(res.outputs.greeting.value).to.equal("hello world");
    });

    it("refresh finds no drift", async function () {
        const rec = recorder("outputs");
        const res = await stack.refresh({ onOutput, onEvent: rec.onEvent, color: "never" });
        expect(res.summary.result).to.equal("succeeded");
        expect(res.summary.kind).to.equal("refresh");
        expect(res.summary.resourceChanges).to.deep.equal({ same: 2 });
        expect(rec.ops).to.have.deep.members(expected("same"));
    });

    it("destroy deletes both", async function () {
        const rec = recorder("outputs");
        const res = await stack.destroy({ onOutput, onEvent: rec.onEvent, color: "never" });
        expect(res.summary.result).to.equal("succeeded");
        expect(res.summary.kind).to.equal("destroy");
        expect(res.summary.resourceChanges).to.deep.equal({ delete: 2 });
        expect(rec.ops).to.have.deep.members(expected("delete"));
        const state = await stack.exportStack();
        expect(state.deployment.resources ?? []).to.have.length(0);
    });
});
