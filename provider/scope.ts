import type * as pulumi from "@pulumi/pulumi";
import { handleProblem } from "../contract/handles";
import type { IdKind } from "../contract/ids";
import { isNotFound, SwitchyardApiError } from "./client";
import { adopt, api, compact, configure, getOrGone, mayCollide, optionalString, requireId, scopePath, type Failures } from "./common";
import { detailedDiff, diffResult, isUnknown } from "./diff";

/**
 * Organizations and workspaces as resources (SPEC §9): the scopes a program shares into. A new
 * parent (tenant or organization) replaces the scope; a new handle or title updates it. Tenants
 * stay an administrator's action in the API.
 */
export type ScopeView = {
  id: string;
  kind: string;
  parentId: string | null;
  tenantId: string;
  handle: string;
  title: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

interface ScopeKindSpec {
  /** The input naming the parent: tenantId or orgId. */
  parentProperty: "tenantId" | "orgId";
  parentKind: IdKind;
  /** Route segment under the parent, and the scope's own kind. */
  childSegment: "orgs" | "workspaces";
  kind: IdKind;
  noun: string;
}

export interface ScopeInputs {
  tenantId?: string;
  orgId?: string;
  handle: string;
  title?: string;
  /** Delete what the scope still holds (workspaces, folders, connections) along with it. */
  forceDestroy?: boolean;
  adoptId?: string;
}

export type ScopeOutputs = ScopeInputs & { title: string; tenantId: string; version: number; createdAt: string; updatedAt: string };

function makeProvider(spec: ScopeKindSpec): pulumi.dynamic.ResourceProvider {
  const parentOf = (inputs: ScopeInputs) => inputs[spec.parentProperty] as string;
  const outputsFrom = (v: ScopeView, inputs: ScopeInputs): ScopeOutputs =>
    compact({
      [spec.parentProperty]: v.parentId ?? undefined,
      tenantId: v.tenantId,
      handle: v.handle,
      title: v.title,
      forceDestroy: inputs.forceDestroy,
      adoptId: inputs.adoptId,
      version: v.version,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
    }) as ScopeOutputs;

  return {
    configure,

    async check(_olds: ScopeInputs, news: ScopeInputs) {
      const failures: Failures = [];
      const inputs = news as unknown as Record<string, unknown>;
      requireId(failures, inputs, spec.parentProperty, spec.parentKind);
      if (news.handle === undefined || news.handle === null) failures.push({ property: "handle", reason: `handle is required: the ${spec.noun}'s name in URLs, unique in its ${spec.parentKind === "tenant" ? "tenant" : "organization"}` });
      else optionalString(failures, inputs, "handle", 63, (h) => handleProblem(h));
      optionalString(failures, inputs, "title", 255);
      if (news.forceDestroy !== undefined && !isUnknown(news.forceDestroy) && typeof news.forceDestroy !== "boolean") failures.push({ property: "forceDestroy", reason: "forceDestroy must be true or false" });
      if (news.adoptId !== undefined) requireId(failures, inputs, "adoptId", spec.kind);
      return { inputs: news, failures };
    },

    async diff(_id: string, olds: ScopeOutputs, news: ScopeInputs) {
      // An omitted title is the handle, as the service makes it.
      const wanted = { ...news, title: news.title ?? news.handle };
      const detail = detailedDiff(olds as never, wanted as never, { replaces: [spec.parentProperty], updates: ["handle", "title", "forceDestroy"] });
      const deleteBeforeReplace = mayCollide(olds as never, news as never, [spec.parentProperty, "handle"]);
      return diffResult(detail, deleteBeforeReplace, [spec.parentProperty, "tenantId"]);
    },

    async create(inputs: ScopeInputs) {
      const parent = parentOf(inputs);
      if (inputs.adoptId) {
        const found = await adopt<ScopeView>(spec.noun, `/v1/${spec.childSegment}/${inputs.adoptId}`, inputs.adoptId, { parentId: parent });
        const view = found.handle === inputs.handle && found.title === (inputs.title ?? inputs.handle) ? found : (await api().patch<ScopeView>(`/v1/${spec.childSegment}/${found.id}`, compact({ handle: inputs.handle, title: inputs.title ?? inputs.handle }), found.version)).body;
        return { id: view.id, outs: outputsFrom(view, inputs) };
      }
      const { body } = await api().create<ScopeView>(`/v1/${scopePath(parent)}/${spec.childSegment}`, compact({ handle: inputs.handle, title: inputs.title }));
      return { id: body.id, outs: outputsFrom(body, inputs) };
    },

    async read(id: string, props?: ScopeOutputs) {
      const view = await getOrGone<ScopeView>(`/v1/${spec.childSegment}/${id}`);
      if (!view) return {};
      const outs = outputsFrom(view, props ?? ({} as ScopeInputs));
      return { id, props: outs, inputs: compact({ [spec.parentProperty]: view.parentId ?? undefined, handle: view.handle, title: view.title, forceDestroy: props?.forceDestroy, adoptId: props?.adoptId }) };
    },

    async update(id: string, olds: ScopeOutputs, news: ScopeInputs) {
      const patch = { handle: news.handle, title: news.title ?? news.handle };
      const same = patch.handle === olds.handle && patch.title === olds.title;
      const view = same ? await api().get<ScopeView>(`/v1/${spec.childSegment}/${id}`) : await api().patch<ScopeView>(`/v1/${spec.childSegment}/${id}`, patch, olds.version);
      return { outs: outputsFrom(view.body, news) };
    },

    async delete(id: string, props: ScopeOutputs) {
      await deleteScope(id, props.forceDestroy === true);
    },
  };
}

interface Page<T> {
  items: T[];
}

/** Deletes a scope; what it still holds is deleted with it when `force`, and named otherwise. */
async function deleteScope(id: string, force: boolean): Promise<void> {
  const path = `/v1/${scopePath(id)}`;
  for (;;) {
    try {
      await api().delete(path);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!(err instanceof SwitchyardApiError) || err.status !== 409) throw err;
    }
    const inside = await contents(id);
    if (!force) {
      throw new Error(
        `${scopePath(id)} still holds ${inside.description}. Delete or move them first, or set forceDestroy: true on this resource to delete them with it (their schemas leave every workspace).`,
      );
    }
    if (inside.empty) throw new Error(`${scopePath(id)} could not be deleted and lists nothing inside it; try again`);
    for (const c of inside.connections) await api().delete(`/v1/connections/${c.id}`, { confirm: c.handle }).catch(ignoreGone);
    for (const f of inside.folders) await api().delete(`/v1/folders/${f.id}`, { recursive: "true" }).catch(ignoreGone);
    for (const s of inside.children) await deleteScope(s.id, true);
  }
}

function ignoreGone(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

async function contents(id: string) {
  const base = `/v1/${scopePath(id)}`;
  const [children, connections, folders] = await Promise.all([
    id.startsWith("ws_") ? Promise.resolve({ items: [] }) : api().get<Page<{ id: string; handle: string }>>(`${base}/children?limit=100`).then((r) => r.body),
    api().get<Page<{ id: string; handle: string }>>(`${base}/connections?limit=100`).then((r) => r.body),
    api().get<Page<{ id: string; title: string }>>(`${base}/folders?parentId=none&limit=100`).then((r) => r.body),
  ]);
  const topFolders = folders.items;
  const list = (noun: string, names: string[]) => (names.length ? `${names.length}${names.length === 100 ? "+" : ""} ${noun}${names.length === 1 ? "" : "s"} (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""})` : "");
  const parts = [
    list(id.startsWith("tnt_") ? "organization" : "workspace", children.items.map((s) => s.handle)),
    list("connection", connections.items.map((c) => c.handle)),
    list("folder", topFolders.map((f) => f.title)),
  ].filter(Boolean);
  return {
    children: children.items,
    connections: connections.items,
    folders: topFolders,
    empty: parts.length === 0,
    description: parts.length ? parts.join(", ") : "nothing it can list",
  };
}

export const organization = makeProvider({ parentProperty: "tenantId", parentKind: "tenant", childSegment: "orgs", kind: "org", noun: "organization" });
export const workspace = makeProvider({ parentProperty: "orgId", parentKind: "org", childSegment: "workspaces", kind: "workspace", noun: "workspace" });
