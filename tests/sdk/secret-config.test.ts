// Which connections keep their `config` output secret (sdk/resources.ts, configMayHoldSecrets):
// every config that may hold a secret does; a config known to hold none (an AWS account reached
// through a role, as the mirror components make by default) stays readable, which spares the
// engine a decryption and a comparison per resource on every run.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as sy from "../../sdk";
import { configMayHoldSecrets } from "../../sdk/resources";

const SCOPE = "org_0123456789abcdefghjk";
const ROLE = { roleArn: "arn:aws:iam::123456789012:role/switchyard", regions: ["eu-west-1"] };

/** The `additionalSecretOutputs` a Connection registers with, as a transformation sees its options. */
function secretOutputsOf(plugin: pulumi.Input<string>, config: pulumi.Input<Record<string, pulumi.Input<unknown>>>): string[] {
  let seen: string[] | undefined;
  const record: pulumi.ResourceTransformation = (a) => {
    seen = (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [];
    return undefined;
  };
  new sy.Connection(`c${Math.random()}`, { scopeId: SCOPE, plugin, config }, { transformations: [record] });
  if (!seen) throw new Error("the transformation did not run");
  return seen;
}

describe("a Connection's config output", () => {
  before(() => {
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}_id`, state: a.inputs }), call: () => ({}) }, "project", "stack", true);
  });

  it("stays readable when the config is known and holds none of the plugin's secret fields", () => {
    expect(secretOutputsOf("aws", ROLE)).to.deep.equal([]);
    expect(secretOutputsOf("s3", { bucket: "b", region: "eu-west-1" })).to.deep.equal([]);
    expect(secretOutputsOf("custom", { endpoint: "https://x.example", team: "data" })).to.deep.equal([]);
  });

  it("is secret when a secret field is there, even in plain text", () => {
    expect(secretOutputsOf("aws", { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "plain", regions: ["eu-west-1"] })).to.deep.equal(["config"]);
    expect(secretOutputsOf("postgres", { host: "db", port: 5432, database: "d", user: "u", password: "hunter2" })).to.deep.equal(["config"]);
    expect(secretOutputsOf("custom", { endpoint: "https://x.example", apiKey: { value: "k", secret: true } })).to.deep.equal(["config"]);
  });

  it("is secret when any part of the config is still to come, or the plugin is not known", () => {
    expect(secretOutputsOf("aws", { ...ROLE, roleArn: pulumi.output(ROLE.roleArn) })).to.deep.equal(["config"]);
    expect(secretOutputsOf("aws", pulumi.output(ROLE))).to.deep.equal(["config"]);
    expect(secretOutputsOf(pulumi.output("aws"), ROLE)).to.deep.equal(["config"]);
    expect(secretOutputsOf("no-such-plugin", ROLE)).to.deep.equal(["config"]);
    expect(configMayHoldSecrets("aws", { ...ROLE, regions: [Promise.resolve("eu-west-1")] })).to.equal(true);
  });

  it("keeps the mirror's template secrets secret, and its role-based default readable", () => {
    const hierarchy = { cloud: "aws" as const, nodes: [{ id: "r-1", kind: "folder" as const, name: "Root", parentId: null }, { id: "111111111111", kind: "leaf" as const, name: "a", parentId: "r-1" }] };
    const seen = new Map<string, string[]>();
    const record: pulumi.ResourceTransformation = (a) => {
      if (a.type.endsWith(":Connection")) seen.set(a.name, (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []);
      return undefined;
    };
    new sy.AwsOrganizationMirror("plain", { scopeId: SCOPE, hierarchy }, { transformations: [record] });
    new sy.AwsOrganizationMirror("keys", { scopeId: SCOPE, hierarchy, connection: { config: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s", roleArn: undefined as never } } }, { transformations: [record] });
    expect(seen.get("plain/leaf/111111111111")).to.deep.equal([]);
    expect(seen.get("keys/leaf/111111111111")).to.deep.equal(["config"]);
  });
});
