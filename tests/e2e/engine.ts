// Helpers for end-to-end tests that drive the real Pulumi engine through the Automation API,
// hermetically, the way a new user runs a program:
//
//   const pe = await pulumiEnv();           // builds/locates the engine once per process
//   const { stack } = await pe.program({ indexTs: `...` });
//   await stack.preview(); await stack.up(); ...
//   await pe.cleanup();                     // removes every file the run made
//
// Programs get their packages the way a user's program does: `npm pack` of this repository,
// installed with @pulumi/pulumi and TypeScript into a fresh folder (once per test process), so
// what is tested is what `npm install switchyard` gives. Each PulumiTestEnv gets its own temp
// root holding PULUMI_HOME, a file:// backend, TMPDIR and the program directories, so nothing is
// written to the user's home or to the repository.
//
// The suite runs at both ends of the @pulumi/pulumi range that package.json declares: the oldest
// on Node.js 20, the newest on Node.js 24 (scripts/test.js runs mocha on each; the end follows
// the Node.js that runs the tests unless SWITCHYARD_PULUMI_END says otherwise).
import { execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, PulumiCommand, Stack, type EngineEvent } from "@pulumi/pulumi/automation";

export interface PulumiEnd {
    name: "oldest" | "newest";
    /** The Pulumi CLI that scripts/pulumi-engine.sh builds for this end. */
    cli: string;
    /** The @pulumi/pulumi a program installs. */
    sdk: string;
}

export const PULUMI_ENDS: Record<PulumiEnd["name"], PulumiEnd> = {
    oldest: { name: "oldest", cli: "3.248.0", sdk: "3.248.0" },
    newest: { name: "newest", cli: "3.276.0", sdk: "3.276.0" },
};

/** The end this process tests: the newest on Node.js 22 and later, the oldest on Node.js 20. */
export const END: PulumiEnd = (() => {
    const asked = process.env.SWITCHYARD_PULUMI_END;
    if (asked === "oldest" || asked === "newest") return PULUMI_ENDS[asked];
    if (asked) throw new Error(`SWITCHYARD_PULUMI_END must be oldest or newest, got "${asked}"`);
    return Number(process.versions.node.split(".")[0]) >= 22 ? PULUMI_ENDS.newest : PULUMI_ENDS.oldest;
})();

/** The CLI version of this process's end. */
export const PULUMI_VERSION = END.cli;
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const ENGINE_SCRIPT = path.join(REPO_ROOT, "scripts", "pulumi-engine.sh");

/** Files of an engine directory: the CLI, the language host and the dynamic-provider plugin. */
const ENGINE_FILES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/** Variables from the caller's environment that must not leak into a hermetic run. */
const SCRUBBED_VARS = /^PULUMI_/;

let enginePromise: Promise<string> | undefined;

/**
 * Makes sure the engine exists (running scripts/pulumi-engine.sh at most once
 * per process; a cold build takes minutes, a warm one well under a second) and
 * resolves to the directory holding `pulumi`, `pulumi-language-nodejs` and
 * `pulumi-resource-pulumi-nodejs`. The script's progress goes to our stderr.
 */
export function ensureEngine(): Promise<string> {
    enginePromise ??= runEngineScript().catch((err) => {
        enginePromise = undefined; // let a later call retry
        throw err;
    });
    return enginePromise;
}

function runEngineScript(): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [ENGINE_SCRIPT, END.cli], {
            cwd: REPO_ROOT,
            stdio: ["ignore", "pipe", "inherit"],
        });
        let stdout = "";
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (d: string) => (stdout += d));
        child.on("error", reject);
        child.on("close", async (code, signal) => {
            if (code !== 0) {
                reject(new Error(`${ENGINE_SCRIPT} failed (exit ${code ?? signal}); see its stderr above`));
                return;
            }
            const dir = stdout.trim().split("\n").pop() ?? "";
            try {
                for (const f of ENGINE_FILES) await fs.access(path.join(dir, f), fs.constants.X_OK);
                resolve(dir);
            } catch (err) {
                reject(new Error(`${ENGINE_SCRIPT} printed '${dir}', which lacks the engine files: ${err}`));
            }
        });
    });
}

export interface ProgramSpec {
    /** Source of index.ts. `import * as pulumi from "@pulumi/pulumi"` resolves to the repo's copy. */
    indexTs: string;
    /** Pulumi project name (default "e2e"). */
    project?: string;
    /** Stack name (default "test"). */
    stackName?: string;
    /** Extra files to write into the program directory (relative path -> contents). */
    files?: Record<string, string>;
    /** Stack configuration (plain values; use stack.setConfig for secrets). */
    config?: Record<string, string>;
    /** Extra environment for this program's engine runs (on top of the hermetic env). */
    env?: NodeJS.ProcessEnv;
}

export interface Program {
    stack: Stack;
    workDir: string;
}

export class PulumiTestEnv {
    private programCount = 0;

    private constructor(
        /** Temp root that holds everything this environment writes. */
        readonly root: string,
        /** Directory with pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs. */
        readonly engineDir: string,
        /** Hermetic environment for running `pulumi` (child_process) or the Automation API. */
        readonly env: NodeJS.ProcessEnv,
        readonly pulumiCommand: PulumiCommand,
    ) {}

    static async create(): Promise<PulumiTestEnv> {
        const engineDir = await ensureEngine();
        const root = await fs.mkdtemp(path.join(os.tmpdir(), "switchyard-pulumi-"));
        try {
            const home = path.join(root, "home");
            const state = path.join(root, "state");
            const tmp = path.join(root, "tmp");
            // PulumiCommand.get({ root }) runs `<root>/bin/pulumi`; the symlinked CLI
            // still finds its plugins next to the real binary (it resolves symlinks).
            const cliRoot = path.join(root, "cli");
            await Promise.all([home, state, tmp, path.join(cliRoot, "bin")].map((d) => fs.mkdir(d, { recursive: true })));
            await fs.symlink(path.join(engineDir, "pulumi"), path.join(cliRoot, "bin", "pulumi"));

            // The Automation API runs the CLI with process.env plus its envVars, so a
            // variable is "removed" by overriding it with an empty string.
            const env: NodeJS.ProcessEnv = {};
            for (const [k, v] of Object.entries(process.env)) env[k] = SCRUBBED_VARS.test(k) ? "" : v;
            Object.assign(env, {
                PULUMI_HOME: home,
                PULUMI_BACKEND_URL: `file://${state}`,
                PULUMI_CONFIG_PASSPHRASE: "switchyard-e2e",
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                // The CLI and the Node program/dynamic provider it spawns need `node` on PATH.
                PATH: [engineDir, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
                TMPDIR: tmp,
            });

            const pulumiCommand = await PulumiCommand.get({ root: cliRoot });
            if (pulumiCommand.version?.toString() !== PULUMI_VERSION) {
                throw new Error(`engine in ${engineDir} is pulumi ${pulumiCommand.version}, expected ${PULUMI_VERSION}`);
            }
            return new PulumiTestEnv(root, engineDir, env, pulumiCommand);
        } catch (err) {
            await fs.rm(root, { recursive: true, force: true });
            throw err;
        }
    }

    /**
     * Writes a TypeScript Pulumi program (Pulumi.yaml, package.json, index.ts and a
     * node_modules symlink to the repository's) into a fresh directory and returns
     * a Stack for it, created in this environment's file:// backend.
     */
    async program(spec: ProgramSpec): Promise<Program> {
        const project = spec.project ?? "e2e";
        const workDir = path.join(this.root, `program-${++this.programCount}`);
        await fs.mkdir(workDir, { recursive: true });
        const files: Record<string, string> = {
            "Pulumi.yaml": `name: ${project}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
            "package.json": JSON.stringify({ name: project, version: "0.0.0", private: true, main: "index.ts" }, null, 2),
            "index.ts": spec.indexTs,
            ...spec.files,
        };
        for (const [rel, contents] of Object.entries(files)) {
            const file = path.join(workDir, rel);
            await fs.mkdir(path.dirname(file), { recursive: true });
            await fs.writeFile(file, contents);
        }
        // switchyard, @pulumi/pulumi and typescript as a user's `npm install` leaves them.
        await fs.symlink(path.join(await installedPackages(), "node_modules"), path.join(workDir, "node_modules"), "dir");

        const envVars = stringEnv({ ...this.env, ...spec.env });
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: spec.stackName ?? "test", workDir },
            { pulumiCommand: this.pulumiCommand, pulumiHome: this.env.PULUMI_HOME, envVars },
        );
        for (const [k, v] of Object.entries(spec.config ?? {})) await stack.setConfig(k, { value: v });
        return { stack, workDir };
    }

    /**
     * A copy of examples/<name> as a user would have it after `npm install` (switchyard from
     * `npm pack`, this end's @pulumi/pulumi), with a stack created for it.
     */
    async example(name: string, spec: { stackName?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Program> {
        const workDir = path.join(this.root, `example-${name}-${++this.programCount}`);
        await fs.cp(path.join(REPO_ROOT, "examples", name), workDir, { recursive: true, filter: (src) => !/[\\/]node_modules$/.test(src) });
        await fs.symlink(path.join(await installedPackages(), "node_modules"), path.join(workDir, "node_modules"), "dir");
        const envVars = stringEnv({ ...this.env, ...spec.env });
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: spec.stackName ?? "test", workDir },
            { pulumiCommand: this.pulumiCommand, pulumiHome: this.env.PULUMI_HOME, envVars },
        );
        return { stack, workDir };
    }

    /** Removes the temp root (state, PULUMI_HOME, programs). Stacks are not destroyed first. */
    async cleanup(): Promise<void> {
        await fs.rm(this.root, { recursive: true, force: true });
    }
}

/** Creates a hermetic Pulumi environment (see PulumiTestEnv). Call cleanup() when done. */
export function pulumiEnv(): Promise<PulumiTestEnv> {
    return PulumiTestEnv.create();
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
    return out;
}

const exec = promisify(execFile);
let installPromise: Promise<string> | undefined;

/**
 * `npm pack` of this repository (its `prepare` builds dist/), installed into a fresh folder
 * together with this end's @pulumi/pulumi and TypeScript, as a new user's program would: once per
 * test process. Resolves to the folder, whose node_modules programs link to. The folder is
 * removed when the process exits.
 */
export function installedPackages(): Promise<string> {
    installPromise ??= (async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), `switchyard-install-${END.name}-`));
        process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
        const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
        const tarball = path.join(dir, JSON.parse(stdout)[0].filename);
        await fs.writeFile(
            path.join(dir, "package.json"),
            JSON.stringify({ name: "program", private: true, dependencies: { "@pulumi/pulumi": END.sdk, switchyard: `file:${tarball}` }, devDependencies: { typescript: "~5.9.3" } }, null, 2),
        );
        await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, maxBuffer: 64 << 20 });
        return dir;
    })();
    return installPromise;
}

/**
 * Records what the engine plans and says during one operation: the steps per resource (in order),
 * each step's detailed diff, and the error diagnostics.
 */
export function planRecorder() {
    const steps = new Map<string, string[]>();
    const detailed = new Map<string, Record<string, { diffKind: string }>>();
    const errors: string[] = [];
    const keyOf = (type: string, urn: string) => `${type.replace("pulumi-nodejs:dynamic/switchyard:", "")}::${urn.split("::").pop()}`;
    return {
        onEvent(e: EngineEvent) {
            const m = e.resourcePreEvent?.metadata;
            if (m) {
                const key = keyOf(m.type, m.urn);
                steps.set(key, [...(steps.get(key) ?? []), m.op]);
                if (m.detailedDiff) detailed.set(key, m.detailedDiff as Record<string, { diffKind: string }>);
            }
            const d = e.diagnosticEvent;
            if (d && d.severity === "error") errors.push(d.message);
        },
        /** The steps planned for a switchyard resource, e.g. op("Folder", "shared") → "update". */
        op(kind: string, name: string): string {
            return (steps.get(`${kind}::${name}`) ?? []).join(",");
        },
        /** Kinds of the detailed diff of a resource's step, e.g. { title: "update" }. */
        diff(kind: string, name: string): Record<string, string> {
            return Object.fromEntries(Object.entries(detailed.get(`${kind}::${name}`) ?? {}).map(([p, d]) => [p, d.diffKind]));
        },
        /** Every step planned, as "Kind::name" → ops. */
        all(): Record<string, string> {
            return Object.fromEntries([...steps].map(([k, v]) => [k, v.join(",")]));
        },
        errors,
    };
}
