import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionView } from "../contract/api";
import { handleProblem } from "../contract/handles";
import { isRedactedSecret, pluginDefinition, PLUGIN_TYPES, secretFieldsOf } from "../contract/plugins";
import { adopt, api, deleteIfPresent, getOrGone, compact, configure, mayCollide, optionalId, optionalString, requireId, scopePath, type Failures } from "./common";
import { containsUnknown, detailedDiff, diffResult, isUnknown, propertyChange } from "./diff";

/** Inputs of a Connection after `check`. */
export interface ConnectionInputs {
  scopeId: string;
  plugin: string;
  config: Record<string, unknown>;
  handle?: string;
  title?: string;
  description?: string;
  folderId?: string | null;
  /** Take over this existing connection (conn_…) instead of creating one. */
  adoptId?: string;
}

/** State: the inputs (config with the secrets the program gave) plus what the service computed. */
export interface ConnectionOutputs extends ConnectionInputs {
  handle: string;
  title: string;
  description: string;
  folderId: string | null;
  managedBy: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Fingerprints of the secret fields as the service holds them now (refreshed by `read`). */
  secretFingerprints: Record<string, string | null>;
  /** Fingerprints of the secret fields as Pulumi last wrote them. A difference is drift. */
  appliedFingerprints: Record<string, string | null>;
}

function fingerprintsOf(view: ConnectionView): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(view.config)) if (isRedactedSecret(v)) out[k] = v.fingerprint;
  return out;
}

/** The non-secret part of a config, as the program gave it or as the service shows it. */
function settingsOf(plugin: string, config: Record<string, unknown>): Record<string, unknown> {
  const secrets = new Set(secretFieldsOf(plugin, config));
  if (plugin !== "custom") for (const f of pluginDefinition(plugin)?.secretFields ?? []) secrets.add(f);
  return Object.fromEntries(Object.entries(config).filter(([k, v]) => !secrets.has(k) && !isRedactedSecret(v)));
}

function outputsFrom(view: ConnectionView, inputs: ConnectionInputs, applied?: Record<string, string | null>): ConnectionOutputs {
  const fingerprints = fingerprintsOf(view);
  return compact({
    scopeId: view.scopeId,
    plugin: view.plugin,
    config: inputs.config,
    handle: view.handle,
    title: view.title,
    description: view.description,
    folderId: view.folderId,
    managedBy: view.managedBy,
    version: view.version,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    secretFingerprints: fingerprints,
    appliedFingerprints: applied ?? fingerprints,
  });
}

export const provider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: ConnectionInputs, news: ConnectionInputs) {
    const failures: Failures = [];
    const inputs = news as unknown as Record<string, unknown>;
    requireId(failures, inputs, "scopeId", "tenant", "org", "workspace");
    if (isUnknown(news.plugin)) {
      // The plugin decides the config's shape: both are checked once the plugin is known.
    } else if (typeof news.plugin !== "string" || !PLUGIN_TYPES.includes(news.plugin)) {
      failures.push({ property: "plugin", reason: `plugin must be one of ${PLUGIN_TYPES.join(", ")}` });
    } else if (isUnknown(news.config)) {
      // checked once known
    } else if (typeof news.config !== "object" || news.config === null || Array.isArray(news.config)) {
      failures.push({ property: "config", reason: "config must be an object of the plugin's settings" });
    } else {
      const parsed = pluginDefinition(news.plugin)?.schema.safeParse(news.config);
      for (const issue of parsed?.error?.issues ?? []) {
        // A field whose value is not known yet is checked when it is.
        if (issue.path.length > 0 && containsUnknown(valueAt(news.config, issue.path))) continue;
        const keys = issue.code === "unrecognized_keys" ? issue.keys : [""];
        for (const key of keys) {
          const property = ["config", ...issue.path.map(String), key].filter(Boolean).join(".");
          failures.push({ property, reason: `${property}: ${issue.message}` });
        }
      }
    }
    optionalString(failures, inputs, "handle", 63, (h) => handleProblem(h));
    optionalString(failures, inputs, "title", 255);
    optionalString(failures, inputs, "description", 4096);
    optionalId(failures, inputs, "folderId", "folder");
    optionalId(failures, inputs, "adoptId", "connection");
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: ConnectionOutputs, news: ConnectionInputs) {
    // An omitted handle or title keeps what the service derived; an omitted description is empty.
    const wanted = { ...news, handle: news.handle ?? olds.handle, title: news.title ?? olds.title, description: news.description ?? "" };
    const detail = detailedDiff(olds as never, wanted as never, { replaces: ["scopeId", "plugin"], updates: ["handle", "title", "description", "folderId"] });
    // A secret changed outside Pulumi shows only through its fingerprint: put the program's value back.
    const secretDrift = Object.keys({ ...olds.secretFingerprints, ...olds.appliedFingerprints }).some(
      (k) => (olds.secretFingerprints?.[k] ?? null) !== (olds.appliedFingerprints?.[k] ?? null),
    );
    const config = secretDrift ? { kind: "update" as const, replace: false } : propertyChange(olds.config, news.config, false);
    if (config) detail.config = config;
    // A new connection that wants the old one's handle in the same scope can only be made once the
    // old one is gone (an omitted handle would be derived from the title, and suffixed if taken).
    const deleteBeforeReplace = mayCollide(olds as never, { scopeId: news.scopeId, handle: news.handle ?? olds.handle }, ["scopeId", "handle"]);
    return diffResult(detail, deleteBeforeReplace, ["scopeId", "plugin"]);
  },

  async create(inputs: ConnectionInputs) {
    if (inputs.adoptId) {
      const found = await adopt<ConnectionView>("connection", `/v1/connections/${inputs.adoptId}`, inputs.adoptId, { scopeId: inputs.scopeId, plugin: inputs.plugin });
      const patch = compact({ config: inputs.config, handle: inputs.handle, title: inputs.title, description: inputs.description ?? "", folderId: inputs.folderId ?? null });
      const { body } = await api().patch<ConnectionView>(`/v1/connections/${found.id}`, patch, found.version);
      return { id: body.id, outs: { ...outputsFrom(body, inputs), adoptId: inputs.adoptId } };
    }
    const body0 = compact({ plugin: inputs.plugin, config: inputs.config, handle: inputs.handle, title: inputs.title, description: inputs.description, folderId: inputs.folderId ?? undefined });
    const { body } = await api().create<ConnectionView>(`/v1/${scopePath(inputs.scopeId)}/connections`, body0);
    return { id: body.id, outs: outputsFrom(body, inputs) };
  },

  async read(id: string, props?: ConnectionOutputs) {
    const view = await getOrGone<ConnectionView>(`/v1/connections/${id}`);
    if (!view) return {}; // gone: dropped from state
    // The service never returns secrets: keep the ones from state, take every setting from the service.
    const secretsFromState = Object.fromEntries(
      Object.entries(props?.config ?? {}).filter(([k]) => !(k in settingsOf(view.plugin, view.config)) && k in view.config),
    );
    const config = { ...settingsOf(view.plugin, view.config), ...secretsFromState };
    const inputs: ConnectionInputs = compact({ scopeId: view.scopeId, plugin: view.plugin, config, handle: view.handle, title: view.title, description: view.description || undefined, folderId: view.folderId ?? undefined });
    const outs = outputsFrom(view, inputs, props?.appliedFingerprints);
    return { id, props: outs, inputs };
  },

  async update(id: string, olds: ConnectionOutputs, news: ConnectionInputs) {
    const patch = compact({
      config: news.config,
      handle: news.handle,
      title: news.title,
      description: news.description ?? "",
      folderId: news.folderId ?? null,
    });
    const { body } = await api().patch<ConnectionView>(`/v1/connections/${id}`, patch, olds.version);
    return { outs: outputsFrom(body, news) };
  },

  async delete(id: string, props: ConnectionOutputs) {
    await deleteIfPresent(`/v1/connections/${id}`, { confirm: props.handle });
  },
};


function valueAt(root: unknown, at: PropertyKey[]): unknown {
  let v = root;
  for (const key of at) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}
