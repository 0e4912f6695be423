import type * as pulumi from "@pulumi/pulumi";
import { ROLES } from "../contract/roles";
import { isNotFound, SwitchyardApiError } from "./client";
import { api, configure, getOrGone, mayCollide, requireId, scopePath, type Failures } from "./common";
import { detailedDiff, diffResult, isUnknown } from "./diff";

/**
 * A user's role at a scope (SPEC §1). Its id is `<scopeId>/<userId>`: a membership has no id of
 * its own. A new scope or user replaces it; a new role updates it in place.
 */
export interface MemberInputs {
  scopeId: string;
  userId: string;
  role: string;
  /** Take over the existing membership of this user at this scope (`<scopeId>/<userId>`). */
  adoptId?: string;
}

export interface MemberOutputs extends MemberInputs {
  userHandle: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface MemberView {
  scopeId: string;
  userId: string;
  userHandle: string;
  role: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const memberPath = (scopeId: string, userId: string) => `/v1/${scopePath(scopeId)}/members/${userId}`;

function outputsFrom(v: MemberView, inputs: MemberInputs): MemberOutputs {
  const outs: MemberOutputs = { scopeId: v.scopeId, userId: v.userId, role: v.role, userHandle: v.userHandle, version: v.version, createdAt: v.createdAt, updatedAt: v.updatedAt };
  if (inputs.adoptId) outs.adoptId = inputs.adoptId;
  return outs;
}

export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: MemberInputs, news: MemberInputs) {
    const failures: Failures = [];
    const inputs = news as unknown as Record<string, unknown>;
    requireId(failures, inputs, "scopeId", "tenant", "org", "workspace");
    requireId(failures, inputs, "userId", "user");
    if (!isUnknown(news.role) && !(ROLES as readonly unknown[]).includes(news.role)) {
      failures.push({ property: "role", reason: `role must be one of ${ROLES.join(", ")}${news.role === undefined ? " (it is missing)" : `, got ${JSON.stringify(news.role)}`}` });
    }
    if (news.adoptId !== undefined && !isUnknown(news.adoptId) && !isUnknown(news.scopeId) && !isUnknown(news.userId) && news.adoptId !== `${news.scopeId}/${news.userId}`) {
      failures.push({ property: "adoptId", reason: `adoptId must be "${news.scopeId}/${news.userId}", the membership of userId at scopeId` });
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: MemberOutputs, news: MemberInputs) {
    const detail = detailedDiff(olds as never, news as never, { replaces: ["scopeId", "userId"], updates: ["role"] });
    return diffResult(detail, mayCollide(olds as never, news as never, ["scopeId", "userId"]), ["scopeId", "userId", "userHandle"]);
  },

  async create(inputs: MemberInputs) {
    const path = memberPath(inputs.scopeId, inputs.userId);
    let view: MemberView;
    if (inputs.adoptId) {
      const found = await getOrGone<MemberView>(path);
      if (!found) throw new Error(`adoptId: user ${inputs.userId} has no role at ${inputs.scopeId} to adopt; remove adoptId to give it one`);
      view = found.role === inputs.role ? found : (await api().put<MemberView>(path, { role: inputs.role }, found.version)).body;
    } else {
      try {
        // If-Match "0": only when the user has no role there yet, so a membership made outside
        // Pulumi is never taken over by accident.
        view = (await api().put<MemberView>(path, { role: inputs.role }, 0)).body;
      } catch (err) {
        if (err instanceof SwitchyardApiError && err.status === 412) {
          throw new Error(`user ${inputs.userId} already has a role at ${inputs.scopeId}: set adoptId: "${inputs.scopeId}/${inputs.userId}" to manage that membership from this program`);
        }
        throw err;
      }
    }
    return { id: `${view.scopeId}/${view.userId}`, outs: outputsFrom(view, inputs) };
  },

  async read(id: string, props?: MemberOutputs) {
    const [scopeId, userId] = id.split("/");
    const view = await getOrGone<MemberView>(memberPath(scopeId, userId));
    if (!view) return {};
    const outs = outputsFrom(view, props ?? ({} as MemberInputs));
    return { id, props: outs, inputs: { scopeId: view.scopeId, userId: view.userId, role: view.role, ...(props?.adoptId ? { adoptId: props.adoptId } : {}) } };
  },

  async update(_id: string, olds: MemberOutputs, news: MemberInputs) {
    const { body } = await api().put<MemberView>(memberPath(news.scopeId, news.userId), { role: news.role }, olds.version);
    return { outs: outputsFrom(body, news) };
  },

  async delete(_id: string, props: MemberOutputs) {
    try {
      await api().delete(memberPath(props.scopeId, props.userId));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};
