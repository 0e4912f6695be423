import { randomBytesPooled } from "./random";
import { z } from "zod";

/** Every id is an opaque string with a type prefix, so a misplaced id is caught at the edge. */
export const ID_PREFIXES = {
  tenant: "tnt",
  org: "org",
  workspace: "ws",
  connection: "conn",
  folder: "fld",
  grant: "grt",
  attachment: "att",
  integration: "int",
  user: "usr",
  token: "tok",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type ScopeKind = "tenant" | "org" | "workspace";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case
const ID_BODY_LENGTH = 20;
const ID_BODY = `[${ALPHABET}]{${ID_BODY_LENGTH}}`;

export function newId(kind: IdKind): string {
  const bytes = randomBytesPooled(ID_BODY_LENGTH);
  let body = "";
  for (const b of bytes) body += ALPHABET[b & 31];
  return `${ID_PREFIXES[kind]}_${body}`;
}

const patterns = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}_${ID_BODY}$`)]),
) as Record<IdKind, RegExp>;

export function idKindOf(id: string): IdKind | undefined {
  for (const [kind, re] of Object.entries(patterns)) if (re.test(id)) return kind as IdKind;
  return undefined;
}

export function isId(kind: IdKind, id: string): boolean {
  return patterns[kind].test(id);
}

/** A zod schema accepting ids of the given kinds only, with a message naming what was expected. */
export function idSchema(...kinds: IdKind[]) {
  const expected = kinds.map((k) => `${ID_PREFIXES[k]}_…`).join(" or ");
  return z
    .string()
    .trim()
    .max(64)
    .refine((v) => kinds.some((k) => patterns[k].test(v)), { message: `expected an id of the form ${expected}` });
}

export const SCOPE_KINDS: ScopeKind[] = ["tenant", "org", "workspace"];
export const scopeIdSchema = idSchema("tenant", "org", "workspace");

export function scopeKindOf(id: string): ScopeKind | undefined {
  const kind = idKindOf(id);
  return kind === "tenant" || kind === "org" || kind === "workspace" ? kind : undefined;
}
