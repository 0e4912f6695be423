import type * as pulumi from "@pulumi/pulumi";
import type { FolderView } from "../contract/api";
import { handleProblem } from "../contract/handles";
import { adopt, api, deleteIfPresent, getOrGone, compact, configure, mayCollide, optionalId, optionalString, requireId, scopePath, type Failures } from "./common";
import { detailedDiff, diffResult, isUnknown } from "./diff";

export interface FolderInputs {
  scopeId: string;
  title: string;
  handle?: string | null;
  parentId?: string | null;
  /** Take over this existing folder (fld_…) instead of creating one. */
  adoptId?: string;
}

export interface FolderOutputs extends FolderInputs {
  managedBy: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

function outputsFrom(v: FolderView): FolderOutputs {
  return compact({ scopeId: v.scopeId, title: v.title, handle: v.handle ?? undefined, parentId: v.parentId ?? undefined, managedBy: v.managedBy, version: v.version, createdAt: v.createdAt, updatedAt: v.updatedAt });
}

export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: FolderInputs, news: FolderInputs) {
    const failures: Failures = [];
    const inputs = news as unknown as Record<string, unknown>;
    requireId(failures, inputs, "scopeId", "tenant", "org", "workspace");
    if (isUnknown(news.title)) {
      // checked once known
    } else if (typeof news.title !== "string" || !news.title.trim()) failures.push({ property: "title", reason: "title is required (free text, at most 255 characters)" });
    else optionalString(failures, inputs, "title", 255);
    optionalString(failures, inputs, "handle", 63, (h) => handleProblem(h));
    optionalId(failures, inputs, "parentId", "folder");
    optionalId(failures, inputs, "adoptId", "folder");
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: FolderOutputs, news: FolderInputs) {
    const detail = detailedDiff(olds as never, news as never, { replaces: ["scopeId"], updates: ["title", "handle", "parentId"] });
    // Folder handles are unique in their scope: a replacement in the same scope with the same handle goes first.
    const deleteBeforeReplace = (news.handle ?? null) !== null && mayCollide(olds as never, news as never, ["scopeId", "handle"]);
    return diffResult(detail, deleteBeforeReplace, ["scopeId"]);
  },

  async create(inputs: FolderInputs) {
    if (inputs.adoptId) {
      const found = await adopt<FolderView>("folder", `/v1/folders/${inputs.adoptId}`, inputs.adoptId, { scopeId: inputs.scopeId });
      const want = { title: inputs.title, handle: inputs.handle ?? null, parentId: inputs.parentId ?? null };
      const same = want.title === found.title && want.handle === found.handle && want.parentId === found.parentId;
      const view = same ? found : (await api().patch<FolderView>(`/v1/folders/${found.id}`, want, found.version)).body;
      return { id: view.id, outs: { ...outputsFrom(view), adoptId: inputs.adoptId } };
    }
    const { body } = await api().create<FolderView>(`/v1/${scopePath(inputs.scopeId)}/folders`, compact({ title: inputs.title, handle: inputs.handle ?? undefined, parentId: inputs.parentId ?? undefined }));
    return { id: body.id, outs: outputsFrom(body) };
  },

  async read(id: string) {
    const body = await getOrGone<FolderView>(`/v1/folders/${id}`);
    if (!body) return {};
    const outs = outputsFrom(body);
    return { id, props: outs, inputs: compact({ scopeId: outs.scopeId, title: outs.title, handle: outs.handle, parentId: outs.parentId }) };
  },

  async update(id: string, olds: FolderOutputs, news: FolderInputs) {
    const { body } = await api().patch<FolderView>(`/v1/folders/${id}`, { title: news.title, handle: news.handle ?? null, parentId: news.parentId ?? null }, olds.version);
    return { outs: outputsFrom(body) };
  },

  async delete(id: string) {
    await deleteIfPresent(`/v1/folders/${id}`);
  },
};
