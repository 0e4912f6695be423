import type { z } from "zod";
import { isRedactedSecret, pluginDefinition, type RedactedSecret } from "../../contract/plugins";
import { SecretUnreadableError, ValidationError } from "../errors";
import type { EncryptedField, SecretBox } from "../secrets";

/**
 * Turning a client's config into what is stored (plain settings + encrypted secrets), and back
 * into what reads show (secrets redacted) or what editors use (secrets decrypted). SPEC §3.3–3.4.
 */
export interface StoredConfig {
  config: Record<string, unknown>;
  secrets: Record<string, EncryptedField>;
}

function issuesToError(issues: z.core.$ZodIssue[]): ValidationError {
  const details = issues.map((i) => {
    const path = ["config", ...i.path.map(String)].join(".");
    const keys = i.code === "unrecognized_keys" ? ` (${i.keys.join(", ")})` : "";
    const field = i.code === "unrecognized_keys" && i.keys.length === 1 ? `${path}.${i.keys[0]}` : path;
    return { field: `body.${field}`, message: `${i.message}${keys}` };
  });
  return new ValidationError(`invalid config: ${details.map((d) => `${d.field.slice(5)}: ${d.message}`).join("; ")}`, details);
}

function decryptField(box: SecretBox, connectionId: string, field: string, sealed: EncryptedField): string {
  try {
    return box.decrypt(connectionId, field, sealed);
  } catch {
    throw new SecretUnreadableError(field);
  }
}

/** What the client asked for a secret field: a new value, clear it, or keep what is stored. */
type SecretIntent = { kind: "set"; value: string } | { kind: "clear" } | { kind: "keep" };

function secretIntent(field: string, value: unknown): SecretIntent {
  if (value === undefined || isRedactedSecret(value)) return { kind: "keep" };
  if (value === null) return { kind: "clear" };
  if (typeof value === "string") return { kind: "set", value };
  throw new ValidationError(`invalid config: ${field}: a secret must be a string, or null to clear it`, [{ field: `body.config.${field}`, message: "expected a string or null" }]);
}

/**
 * Validates `input` for `plugin` and seals its secrets for connection `connectionId`. `previous`
 * is the stored config on an update: omitted secrets keep their stored value, `null` clears.
 */
export function sealConfig(box: SecretBox, connectionId: string, plugin: string, input: Record<string, unknown>, previous?: StoredConfig): StoredConfig {
  const def = pluginDefinition(plugin);
  if (!def) throw new ValidationError(`unknown plugin "${plugin}"`, [{ field: "body.plugin", message: "unknown plugin" }]);
  const kept = (field: string): string | undefined => {
    const sealed = previous?.secrets[field];
    return sealed ? decryptField(box, connectionId, field, sealed) : undefined;
  };

  const plainForValidation: Record<string, unknown> = {};
  const secretValues: Record<string, string> = {};

  if (plugin === "custom") {
    const names = new Set([...Object.keys(input), ...Object.keys(previous?.secrets ?? {})]);
    for (const name of names) {
      const value = input[name];
      const wasSecret = previous?.secrets[name] !== undefined;
      const isSecretInput = typeof value === "object" && value !== null && (value as { secret?: unknown }).secret === true;
      if (isSecretInput && !isRedactedSecret(value)) {
        plainForValidation[name] = value;
        secretValues[name] = (value as { value: string }).value;
        continue;
      }
      if (wasSecret && (value === undefined || isRedactedSecret(value))) {
        const v = kept(name) as string;
        plainForValidation[name] = { value: v, secret: true };
        secretValues[name] = v;
        continue;
      }
      if (value === null || value === undefined) continue;
      plainForValidation[name] = value;
    }
  } else {
    for (const [name, value] of Object.entries(input)) {
      if (def.secretFields.includes(name)) continue;
      plainForValidation[name] = value;
    }
    for (const field of def.secretFields) {
      const intent = secretIntent(field, input[field]);
      const value = intent.kind === "set" ? intent.value : intent.kind === "keep" ? kept(field) : undefined;
      if (intent.kind === "keep" && isRedactedSecret(input[field]) && input[field].set && value === undefined) {
        throw new ValidationError(`invalid config: ${field}: no value is stored to keep; send the secret itself`, [{ field: `body.config.${field}`, message: "nothing stored to keep" }]);
      }
      if (value !== undefined) {
        plainForValidation[field] = value;
        secretValues[field] = value;
      }
    }
  }

  const parsed = def.schema.safeParse(plainForValidation);
  if (!parsed.success) throw issuesToError(parsed.error.issues);

  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed.data)) {
    if (!(name in secretValues)) config[name] = value;
  }
  const secrets: Record<string, EncryptedField> = {};
  for (const [name, value] of Object.entries(secretValues)) {
    const previousSealed = previous?.secrets[name];
    // An unchanged secret keeps its ciphertext, so its fingerprint and the audit trail stay stable.
    secrets[name] = previousSealed && previousSealed.fp === box.fingerprint(connectionId, name, value) ? previousSealed : box.encrypt(connectionId, name, value);
  }
  return { config, secrets };
}

/** The config as every read shows it: secrets replaced by `{ secret, set, fingerprint }`. */
export function redactConfig(plugin: string, stored: StoredConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored.config };
  const shown = (sealed?: EncryptedField): RedactedSecret => ({ secret: true, set: sealed !== undefined, fingerprint: sealed?.fp ?? null });
  if (plugin === "custom") {
    for (const [name, sealed] of Object.entries(stored.secrets)) out[name] = shown(sealed);
  } else {
    for (const field of pluginDefinition(plugin)?.secretFields ?? []) out[field] = shown(stored.secrets[field]);
  }
  return out;
}

/** The config with secrets in clear, for editors using the connection (SPEC §3.5) and for `test`. */
export function openConfig(box: SecretBox, connectionId: string, stored: StoredConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored.config };
  for (const [name, sealed] of Object.entries(stored.secrets)) out[name] = decryptField(box, connectionId, name, sealed);
  return out;
}

/** Validates a config that is only being tested, without storing it. */
export function validateForTest(plugin: string, input: Record<string, unknown>): { ok: true; config: Record<string, unknown> } | { ok: false; message: string } {
  const def = pluginDefinition(plugin);
  if (!def) return { ok: false, message: `unknown plugin "${plugin}"` };
  const flat: Record<string, unknown> = { ...input };
  const parsed = def.schema.safeParse(flat);
  if (!parsed.success) return { ok: false, message: issuesToError(parsed.error.issues).message };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed.data)) {
    out[k] = plugin === "custom" && typeof v === "object" && v !== null ? (v as { value: string }).value : v;
  }
  return { ok: true, config: out };
}
