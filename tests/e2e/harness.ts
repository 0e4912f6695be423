// The setup every end-to-end suite shares: a hermetic Pulumi environment and the real service on
// PGlite, listening on a free port, torn down after the suite; engine output is kept per test and
// printed only when the test fails.
import { TestApp } from "../helpers/app";
import { pulumiEnv, type PulumiTestEnv } from "./engine";

export interface EngineAndService {
  readonly pe: PulumiTestEnv;
  readonly t: TestApp;
  /** The service's base URL, for `switchyard:url`. */
  readonly url: string;
  /** Options for an Automation API operation: output captured, no colour. */
  opts(): { onOutput: (s: string) => void; color: "never" };
}

/** Registers the suite's before/after/afterEach hooks; call it inside a `describe`. */
export function engineAndService(): EngineAndService {
  let pe: PulumiTestEnv | undefined;
  let t: TestApp | undefined;
  let url = "";
  const output: string[] = [];

  before(async function () {
    [pe, t] = await Promise.all([pulumiEnv(), TestApp.start("pglite")]);
    url = await t.app.listen({ port: 0, host: "127.0.0.1" });
  });
  after(async function () {
    await t?.close();
    await pe?.cleanup();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(output.join(""));
    output.length = 0;
  });

  return {
    get pe() {
      if (!pe) throw new Error("the Pulumi environment is made in the suite's before hook");
      return pe;
    },
    get t() {
      if (!t) throw new Error("the service is started in the suite's before hook");
      return t;
    },
    get url() {
      return url;
    },
    opts: () => ({ onOutput: (s: string) => output.push(s), color: "never" as const }),
  };
}
