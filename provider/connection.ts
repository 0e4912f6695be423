import type * as pulumi from "@pulumi/pulumi";
import type { ConnectionView } from "../contract/api";
import { handleProblem } from "../contract/handles";
import { isRedactedSecret, pluginDefinition, PLUGIN_TYPES, secretFieldsOf } from "../contract/plugins";
import { adopt, api, deleteIfPresent, getOrGone, changedProperties, compact, configure, deepEqual, optionalId, optionalString, requireId, scopePath, type Failures } from "./common";

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

const REPLACES = ["scopeId", "plugin"];

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
    if (typeof news.plugin !== "string" || !PLUGIN_TYPES.includes(news.plugin)) {
      failures.push({ property: "plugin", reason: `plugin must be one of ${PLUGIN_TYPES.join(", ")}` });
    } else if (typeof news.config !== "object" || news.config === null || Array.isArray(news.config)) {
      failures.push({ property: "config", reason: "config must be an object of the plugin's settings" });
    } else {
      const parsed = pluginDefinition(news.plugin)?.schema.safeParse(news.config);
      for (const issue of parsed?.error?.issues ?? []) {
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
    const replaces = changedProperties(olds as never, news as never, REPLACES);
    // An omitted handle or title keeps what the service derived; an omitted description is empty.
    const wanted = { ...news, description: news.description ?? "" } as Record<string, unknown>;
    const updates = changedProperties(olds as never, wanted, ["handle", "title", "description", "folderId"]).filter(
      (p) => !((p === "handle" || p === "title") && wanted[p] === undefined),
    );
    const secretDrift = Object.keys({ ...olds.secretFingerprints, ...olds.appliedFingerprints }).some(
      (k) => (olds.secretFingerprints?.[k] ?? null) !== (olds.appliedFingerprints?.[k] ?? null),
    );
    if (secretDrift || !deepEqual(olds.config, news.config)) updates.push("config");
    return { changes: replaces.length + updates.length > 0, replaces, stables: ["scopeId", "plugin"].filter((p) => !replaces.includes(p)) };
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

