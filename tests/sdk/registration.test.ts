// How the SDK's resources register with @pulumi/pulumi (sdk/shim.ts, SwitchyardResource): without
// a captured stack per registered property (the program's largest cost at 1,000 resources,
// docs/pulumi-performance.md), with the program's frames in any error registration throws, and
// with the promise-leak report's stacks back when PULUMI_DEBUG_PROMISE_LEAKS asks for them.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "../../sdk";

/** Runs `make` synchronously and counts the stacks formatted meanwhile that held at least one frame. */
function stacksWithFrames(make: () => void): number {
  const original = Error.prepareStackTrace;
  let count = 0;
  Error.prepareStackTrace = (err, frames) => {
    if (frames.length > 0) count++;
    return `${err}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
  };
  try {
    make();
  } finally {
    Error.prepareStackTrace = original;
  }
  return count;
}

const connection = (name: string) => new sy.Connection(name, { scopeId: "org_0123456789abcdefghjk", plugin: "s3", title: name, config: { bucket: "b" } });

describe("SDK resources register", () => {
  before(() => {
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}_id`, state: a.inputs }), call: () => ({}) }, "project", "stack", true);
  });
  afterEach(() => delete process.env.PULUMI_DEBUG_PROMISE_LEAKS);

  it("without a stack per registered property: one (the source position) per resource", () => {
    const limit = Error.stackTraceLimit;
    const n = stacksWithFrames(() => {
      for (let i = 0; i < 10; i++) connection(`quiet-${i}`);
      new sy.Folder("quiet-folder", { scopeId: "org_0123456789abcdefghjk", title: "F" });
      new sy.Organization("quiet-org", { tenantId: "tnt_0123456789abcdefghjk", handle: "o" });
    });
    expect(n).to.be.at.most(12);
    expect(Error.stackTraceLimit, "the program's stack limit is restored").to.equal(limit);
  });

  it("with every promise's stack when PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const n = stacksWithFrames(() => connection("debug-0"));
    expect(n).to.be.greaterThan(40);
  });

  it("with the program's frames in an error that registration throws, and the limit restored", () => {
    const limit = Error.stackTraceLimit;
    let caught: unknown;
    try {
      new sy.Connection(undefined as unknown as string, { scopeId: "org_0123456789abcdefghjk", plugin: "s3", config: {} });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error);
    expect((caught as Error).message).to.match(/name/i);
    expect((caught as Error).stack).to.include("registration.test.ts");
    expect(Error.stackTraceLimit).to.equal(limit);
  });
});
