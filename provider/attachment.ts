import type * as pulumi from "@pulumi/pulumi";
import type { AttachmentView } from "../contract/api";
import { adopt, api, deleteIfPresent, getOrGone, configure, requireId, type Failures } from "./common";
import { detailedDiff, diffResult } from "./diff";

export interface AttachmentInputs {
  workspaceId: string;
  objectId: string;
  /** Take over this existing attachment instead of creating one. */
  adoptId?: string;
}

export interface AttachmentOutputs extends AttachmentInputs {
  objectType: string;
  version: number;
  createdAt: string;
}

function outputsFrom(v: AttachmentView): AttachmentOutputs {
  return { workspaceId: v.workspaceId, objectId: v.objectId, objectType: v.objectType, version: v.version, createdAt: v.createdAt };
}

export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: AttachmentInputs, news: AttachmentInputs) {
    const failures: Failures = [];
    requireId(failures, news as never, "workspaceId", "workspace");
    requireId(failures, news as never, "objectId", "connection", "folder");
    if (news.adoptId !== undefined) requireId(failures, news as never, "adoptId", "attachment");
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: AttachmentOutputs, news: AttachmentInputs) {
    const detail = detailedDiff(olds as never, news as never, { replaces: ["workspaceId", "objectId"], updates: [] });
    // The new target may bring a schema of the same name as the old one (or be the same): detach first.
    return diffResult(detail, true);
  },

  async create(inputs: AttachmentInputs) {
    if (inputs.adoptId) {
      const found = await adopt<AttachmentView>("attachment", `/v1/attachments/${inputs.adoptId}`, inputs.adoptId, { workspaceId: inputs.workspaceId, objectId: inputs.objectId });
      return { id: found.id, outs: { ...outputsFrom(found), adoptId: inputs.adoptId } };
    }
    const { body } = await api().create<AttachmentView>(`/v1/workspaces/${inputs.workspaceId}/attachments`, { objectId: inputs.objectId });
    return { id: body.id, outs: outputsFrom(body) };
  },

  async read(id: string) {
    const body = await getOrGone<AttachmentView>(`/v1/attachments/${id}`);
    if (!body) return {};
    return { id, props: outputsFrom(body), inputs: { workspaceId: body.workspaceId, objectId: body.objectId } };
  },

  async delete(id: string) {
    await deleteIfPresent(`/v1/attachments/${id}`);
  },
};
