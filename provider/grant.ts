import type * as pulumi from "@pulumi/pulumi";
import type { GrantView } from "../contract/api";
import { adopt, api, deleteIfPresent, getOrGone, configure, mayCollide, requireId, type Failures } from "./common";
import { detailedDiff, diffResult } from "./diff";

export interface GrantInputs {
  objectId: string;
  granteeId: string;
  /** Take over this existing grant instead of creating one. */
  adoptId?: string;
}

export interface GrantOutputs extends GrantInputs {
  objectType: string;
  tenantId: string;
  version: number;
  createdAt: string;
}

function outputsFrom(v: GrantView): GrantOutputs {
  return { objectId: v.objectId, granteeId: v.granteeId, objectType: v.objectType, tenantId: v.tenantId, version: v.version, createdAt: v.createdAt };
}

/** A grant has no field to change in place: a different object or grantee is a new grant. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: GrantInputs, news: GrantInputs) {
    const failures: Failures = [];
    requireId(failures, news as never, "objectId", "connection", "folder");
    requireId(failures, news as never, "granteeId", "tenant", "org", "workspace");
    if (news.adoptId !== undefined) requireId(failures, news as never, "adoptId", "grant");
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: GrantOutputs, news: GrantInputs) {
    const detail = detailedDiff(olds as never, news as never, { replaces: ["objectId", "granteeId"], updates: [] });
    // One grant per object and grantee: the same grant made again must wait for the old one to go.
    return diffResult(detail, mayCollide(olds as never, news as never, ["objectId", "granteeId"]), ["objectType", "tenantId"]);
  },

  async create(inputs: GrantInputs) {
    if (inputs.adoptId) {
      const found = await adopt<GrantView>("grant", `/v1/grants/${inputs.adoptId}`, inputs.adoptId, { objectId: inputs.objectId, granteeId: inputs.granteeId });
      return { id: found.id, outs: { ...outputsFrom(found), adoptId: inputs.adoptId } };
    }
    const { body } = await api().create<GrantView>("/v1/grants", { objectId: inputs.objectId, granteeId: inputs.granteeId });
    return { id: body.id, outs: outputsFrom(body) };
  },

  async read(id: string) {
    const body = await getOrGone<GrantView>(`/v1/grants/${id}`);
    if (!body) return {};
    return { id, props: outputsFrom(body), inputs: { objectId: body.objectId, granteeId: body.granteeId } };
  },

  async delete(id: string) {
    await deleteIfPresent(`/v1/grants/${id}`);
  },
};
