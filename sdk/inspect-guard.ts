/**
 * A preload that keeps a failing Pulumi program from hanging on the Node.js versions whose
 * `util.inspect` loops forever on some error stacks (docs/node20-trap.md):
 *
 *   NODE_OPTIONS="--require switchyard/inspect-guard" pulumi preview
 *
 * The engine that scripts/pulumi-engine.sh builds loads it into every program it runs.
 *
 * The trap: on Node.js 20.19.6–20.20.x, 22.20.0 and later 22.x, and 24.7.0–24.18.x,
 * `util.inspect(err, { colors: true })` never returns when a stack line has a `node_modules`
 * segment with no separator after the package name, such as
 * `at async Stack.initializeAndRegisterOutputs (/p/node_modules/@pulumi/resource.ts:637:22)`:
 * it appends to a string until the heap is full (nodejs/node#64011, fixed by #64022). Such lines
 * are what @pulumi/pulumi's own source maps produce, and its `run` entry point prints every
 * unhandled error of a program with exactly that call, so on those versions any program that
 * throws takes about a minute and 4 GB before Node.js aborts.
 *
 * The guard replaces `util.inspect` with a function that, when colors are asked for and the value
 * is an error whose stack (or the stack of an error in its `cause` or `errors`) would loop,
 * inspects it without colors. Every other call goes through unchanged. It must be loaded before
 * @pulumi/pulumi's `cmd/run` (which keeps its own reference to `util.inspect`), hence a preload.
 */
import util = require("node:util");

const INSTALLED = Symbol.for("switchyard.inspect-guard");

/** How many `cause`/`errors` links are followed from the inspected error. */
const MAX_DEPTH = 8;

type Inspect = typeof util.inspect & { [INSTALLED]?: true };

/**
 * Returns the first line of `stack` on which the affected `util.inspect` loops, or undefined.
 * Mirrors the affected versions' search: a `node_modules` segment with a separator on both
 * sides, then the package name (`@scope/name` for a scoped one), which must be followed by that
 * same separator again.
 */
export function loopingLine(stack: string): string | undefined {
    for (const line of stack.split("\n")) {
        let from = 0;
        for (;;) {
            const at = line.indexOf("node_modules", from);
            if (at === -1) break;
            const separator = line[at - 1];
            const after = line[at + "node_modules".length];
            from = at + 1;
            if ((separator !== "/" && separator !== "\\") || (after !== "/" && after !== "\\")) continue;
            const start = at + "node_modules/".length;
            let end = line.indexOf(separator, start);
            if (end !== -1 && line[start] === "@") end = line.indexOf(separator, end + 1);
            if (end === -1) return line;
            from = end;
        }
    }
    return undefined;
}

/** True when inspecting `value` with colors would loop on an affected Node.js version. */
export function inspectLoops(value: unknown): boolean {
    const seen = new Set<unknown>();
    const visit = (v: unknown, depth: number): boolean => {
        if (!(v instanceof Error) || seen.has(v) || depth > MAX_DEPTH) return false;
        seen.add(v);
        if (typeof v.stack === "string" && loopingLine(v.stack) !== undefined) return true;
        if (visit((v as { cause?: unknown }).cause, depth + 1)) return true;
        const errors = (v as { errors?: unknown }).errors;
        return Array.isArray(errors) && errors.some((e) => visit(e, depth + 1));
    };
    return visit(value, 0);
}

/** Installs the guard over `util.inspect` (once per process). Returns true if it was installed now. */
export function installInspectGuard(): boolean {
    const original = util.inspect as Inspect;
    if (original[INSTALLED]) return false;

    // `inspect(value, options)` or the legacy `inspect(value, showHidden, depth, colors)`.
    const guarded = function inspect(this: unknown, value: unknown, ...rest: unknown[]): string {
        const [first] = rest;
        const options = typeof first === "object" && first !== null ? (first as util.InspectOptions) : undefined;
        const colors = options ? options.colors : rest.length >= 3 ? rest[2] : undefined;
        if ((colors ?? original.defaultOptions.colors) && inspectLoops(value)) {
            if (options) return original(value, { ...options, colors: false });
            return original(value, rest[0] as boolean, rest[1] as number, false);
        }
        return (original as (...args: unknown[]) => string).call(this, value, ...rest);
    } as Inspect;

    // Keep inspect.custom, inspect.colors, inspect.styles and the defaultOptions accessors.
    const { length: _length, name: _name, prototype: _prototype, ...own } = Object.getOwnPropertyDescriptors(original);
    Object.defineProperties(guarded, own);
    Object.defineProperty(guarded, INSTALLED, { value: true });
    util.inspect = guarded;
    return true;
}

installInspectGuard();
