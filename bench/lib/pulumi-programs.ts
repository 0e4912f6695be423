/**
 * The two programs bench/pulumi.ts runs, as a user would write them (TypeScript, `index.ts`).
 * Both read the same stack config — `count` (N), `rev` (the revision of the first 10 titles) —
 * and declare N + 1 resources of the same input shapes: one folder, then N connections, half s3
 * and half custom, every other one in the folder, one in 25 with a secret field.
 *
 *   sdk    `sy.Folder` + N `sy.Connection`s against a running Switchyard service.
 *   floor  the same inputs on a do-nothing `pulumi.dynamic.Resource` written in the program: create
 *          returns an id and the inputs, diff compares, update returns the news. No service, no
 *          HTTP: what the engine, the language host and the dynamic-provider host cost by themselves.
 */

/** The shared part: which resource i is, with which inputs. */
const SHAPES = `
const cfg = new pulumi.Config();
const count = cfg.requireNumber("count");
const rev = cfg.getNumber("rev") ?? 0;
const secretValue = cfg.requireSecret("secretValue");

function connectionArgs(i: number, folderId: pulumi.Input<string>) {
  const s3 = i % 2 === 0;
  const withSecret = i % 25 === 0;
  const config: Record<string, pulumi.Input<unknown>> = s3
    ? { bucket: \`bench-bucket-\${i}\`, region: "eu-west-1" }
    : { endpoint: \`https://svc-\${i}.example.com/api\`, team: "data", tier: i % 3 === 0 ? "gold" : "silver" };
  if (withSecret && s3) Object.assign(config, { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secretValue });
  if (withSecret && !s3) config.apiKey = secretValue.apply((value) => ({ value, secret: true }));
  return {
    plugin: s3 ? "s3" : "custom",
    handle: \`conn_\${i}\`,
    title: i < 10 && rev > 0 ? \`Connection \${i} (rev \${rev})\` : \`Connection \${i}\`,
    description: "made by bench/pulumi.ts",
    folderId: i % 2 === 1 ? folderId : undefined,
    config,
  };
}
`;

export function sdkProgram(): string {
  return `import * as pulumi from "@pulumi/pulumi";
import * as sy from "switchyard";
${SHAPES}
const scopeId = cfg.require("tenantId");
const folder = new sy.Folder("bench", { scopeId, title: "Bench" });
for (let i = 0; i < count; i++) new sy.Connection(\`conn-\${i}\`, { scopeId, ...connectionArgs(i, folder.id) });
`;
}

export function floorProgram(): string {
  return `import * as pulumi from "@pulumi/pulumi";
${SHAPES}
const scopeId = cfg.require("tenantId");

function same(a: any, b: any): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
}

let next = 0;
const nothing: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: \`floor-\${Date.now().toString(36)}-\${next++}\`, outs: inputs };
  },
  async diff(_id, olds, news) {
    return { changes: !same(olds, news) };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete() {},
};

class Floor extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
    super(nothing, name, args, undefined, "floor", "Item");
  }
}

const folder = new Floor("bench", { scopeId, title: "Bench" });
for (let i = 0; i < count; i++) new Floor(\`conn-\${i}\`, { scopeId, ...connectionArgs(i, folder.id) });
`;
}
