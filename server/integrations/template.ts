import { isRedactedSecret, pluginDefinition } from "../../contract/plugins";
import type { Cloud } from "../../contract/hierarchy";
import { templateProblem, withDefaults, type ConnectionTemplate } from "../../contract/mirror";
import { redactConfig, type StoredConfig } from "../connections/config";
import { SecretUnreadableError, ValidationError } from "../errors";
import type { EncryptedField, SecretBox } from "../secrets";

/**
 * An integration's connection template (SPEC §6.2–6.3): its secret fields are sealed like a
 * connection's (bound to the integration's id), shown redacted, and kept when a PATCH omits them;
 * and the secrets of each mirrored connection, sealed per connection.
 */

const isSecretObject = (v: unknown) => typeof v === "object" && v !== null && (v as { secret?: unknown }).secret === true;

function open(box: SecretBox, ownerId: string, field: string, sealed: EncryptedField): string {
  try {
    return box.decrypt(ownerId, field, sealed);
  } catch {
    throw new SecretUnreadableError(field);
  }
}

/**
 * Splits a template's config into settings and sealed secrets. `previous` is the stored template
 * on an update: an omitted (or redacted) secret keeps its value, `null` clears it. The result,
 * with the cloud's defaults, must make a valid config for a sample leaf (400 otherwise).
 */
export function sealTemplate(box: SecretBox, integrationId: string, cloud: Cloud, template: { plugin: string; config: Record<string, unknown> }, previous?: StoredConfig): StoredConfig {
  const def = pluginDefinition(template.plugin);
  if (!def) throw new ValidationError(`unknown plugin "${template.plugin}"`, [{ field: "body.config.connection.plugin", message: "unknown plugin" }]);
  const config: Record<string, unknown> = {};
  const secrets: Record<string, EncryptedField> = {};
  const seal = (field: string, value: string) => {
    const was = previous?.secrets[field];
    secrets[field] = was && was.fp === box.fingerprint(integrationId, field, value) ? was : box.encrypt(integrationId, field, value);
  };
  const names = new Set([...Object.keys(template.config), ...Object.keys(previous?.secrets ?? {})]);
  for (const name of names) {
    const value = template.config[name];
    const secretField = template.plugin === "custom" ? isSecretObject(value) || (previous?.secrets[name] !== undefined && value === undefined) : def.secretFields.includes(name);
    if (!secretField) {
      if (value !== undefined && value !== null) config[name] = value;
      continue;
    }
    if (value === null) continue;
    if (value === undefined || isRedactedSecret(value)) {
      if (previous?.secrets[name]) secrets[name] = previous.secrets[name];
      else if (isRedactedSecret(value) && value.set) {
        throw new ValidationError(`invalid config: connection.config.${name}: no value is stored to keep; send the secret itself`, [{ field: `body.config.connection.config.${name}`, message: "nothing stored to keep" }]);
      }
      continue;
    }
    const plain = template.plugin === "custom" ? (value as { value?: unknown }).value : value;
    if (typeof plain !== "string") {
      throw new ValidationError(`invalid config: connection.config.${name}: a secret must be a string, or null to clear it`, [{ field: `body.config.connection.config.${name}`, message: "expected a string or null" }]);
    }
    seal(name, plain);
  }
  const stored = { config, secrets };
  const problem = templateProblem(cloud, withDefaults(cloud, { plugin: template.plugin, config: openTemplate(box, integrationId, template.plugin, stored) }));
  if (problem) throw new ValidationError(problem, [{ field: "body.config.connection.config", message: problem }]);
  return stored;
}

/** The template as the mirror rule uses it: secrets in clear (custom secrets as `{ value, secret: true }`). */
export function openTemplate(box: SecretBox, integrationId: string, plugin: string, stored: StoredConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored.config };
  for (const [name, sealed] of Object.entries(stored.secrets)) {
    const value = open(box, integrationId, name, sealed);
    out[name] = plugin === "custom" ? { value, secret: true } : value;
  }
  return out;
}

/** The effective template of an integration: its stored one opened, over the cloud's defaults. */
export function effectiveTemplate(box: SecretBox, integrationId: string, cloud: Cloud, plugin: string, stored: StoredConfig): ConnectionTemplate {
  return withDefaults(cloud, { plugin, config: openTemplate(box, integrationId, plugin, stored) });
}

export { redactConfig };

/** One mirrored connection's config split into settings and secrets, sealed for that connection. */
export function sealLeaf(box: SecretBox, connectionId: string, plugin: string, config: Record<string, unknown>, previous?: Record<string, EncryptedField>): StoredConfig {
  const secretNames = plugin === "custom" ? Object.keys(config).filter((k) => isSecretObject(config[k])) : (pluginDefinition(plugin)?.secretFields ?? []);
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, EncryptedField> = {};
  for (const [name, value] of Object.entries(config)) {
    if (!secretNames.includes(name)) {
      plain[name] = value;
      continue;
    }
    const text = plugin === "custom" ? String((value as { value: unknown }).value) : String(value);
    const was = previous?.[name];
    secrets[name] = was && was.fp === box.fingerprint(connectionId, name, text) ? was : box.encrypt(connectionId, name, text);
  }
  return { config: plain, secrets };
}

/** Whether a stored connection already holds exactly `config` (settings equal, every secret's fingerprint equal). */
export function leafUnchanged(box: SecretBox, connectionId: string, plugin: string, config: Record<string, unknown>, stored: StoredConfig): boolean {
  const secretNames = plugin === "custom" ? Object.keys(config).filter((k) => isSecretObject(config[k])) : (pluginDefinition(plugin)?.secretFields ?? []).filter((f) => config[f] !== undefined);
  const plain = Object.fromEntries(Object.entries(config).filter(([k]) => !secretNames.includes(k)));
  if (canonical(plain) !== canonical(stored.config)) return false;
  if (Object.keys(stored.secrets).length !== secretNames.length) return false;
  return secretNames.every((name) => {
    const sealed = stored.secrets[name];
    const text = plugin === "custom" ? String((config[name] as { value: unknown }).value) : String(config[name]);
    return sealed !== undefined && sealed.fp === box.fingerprint(connectionId, name, text);
  });
}

/** JSON with object keys sorted, so equal values compare equal whatever order jsonb gave them. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
