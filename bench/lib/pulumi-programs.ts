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

/** A provider that does nothing: what the engine and the hosts cost by themselves. */
const NOTHING = `
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

`;

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

${NOTHING}
class Floor extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
    super(nothing, name, args, undefined, "floor", "Item");
  }
}

const folder = new Floor("bench", { scopeId, title: "Bench" });
for (let i = 0; i < count; i++) new Floor(\`conn-\${i}\`, { scopeId, ...connectionArgs(i, folder.id) });
`;
}

/**
 * The mirror bench's floor (bench/mirror.ts): the hierarchy in snapshot.json as the same tree of
 * resources that `sy.AwsOrganizationMirror` registers (a component; a resource per folder with its
 * parent folder's id, one per account with the same inputs as the SDK's default AWS template and
 * its folder's id; named from cloud ids), on the do-nothing provider. A rename changes the title
 * and handle, a move the folder id, as for the SDK.
 */
export function mirrorFloorProgram(regions: readonly string[]): string {
  return `import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
const cfg = new pulumi.Config();
const scopeId = cfg.require("tenantId");
const hierarchy: { nodes: { id: string; kind: string; name: string; parentId: string | null }[] } = JSON.parse(fs.readFileSync("snapshot.json", "utf8"));
const REGIONS = ${JSON.stringify(regions)};
${NOTHING}
class Floor extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions) {
    super(nothing, name, args, opts, "floor", "Item");
  }
}

class FloorMirror extends pulumi.ComponentResource {
  readonly connectionIds: pulumi.Output<Record<string, string>>;
  constructor(name: string) {
    super("floor:index:Mirror", name, {}, {});
    const byId = new Map(hierarchy.nodes.map((n) => [n.id, n]));
    const depth = (id: string | null): number => (id === null ? 0 : 1 + depth(byId.get(id)!.parentId));
    const folders = new Map<string, Floor>();
    const leaves = new Map<string, Floor>();
    for (const n of [...hierarchy.nodes].sort((a, b) => depth(a.parentId) - depth(b.parentId))) {
      const parentId = n.parentId === null ? undefined : folders.get(n.parentId)!.id;
      if (n.kind === "folder") {
        folders.set(n.id, new Floor(\`\${name}/folder/\${n.id}\`, { scopeId, title: n.name, parentId }, { parent: this }));
      } else {
        const handle = "aws_" + n.name.toLowerCase().replace(/[^a-z0-9]+/g, "_");
        const config = { roleArn: \`arn:aws:iam::\${n.id}:role/switchyard\`, regions: REGIONS };
        leaves.set(n.id, new Floor(\`\${name}/leaf/\${n.id}\`, { scopeId, plugin: "aws", config, handle, title: n.name, folderId: parentId }, { parent: this }));
      }
    }
    this.connectionIds = pulumi.all(Object.fromEntries([...leaves].map(([k, r]) => [k, r.id]))) as pulumi.Output<Record<string, string>>;
    this.registerOutputs({ connectionIds: this.connectionIds });
  }
}

const mirror = new FloorMirror("org");
export const connections = mirror.connectionIds.apply((ids) => Object.keys(ids).length);
`;
}
