import fc from "fast-check";

/**
 * The handle rule of SPEC §3.2, written out independently of the implementation's regex: lower
 * case letters, digits and single underscores, starting with a letter, no trailing underscore,
 * at most 63 bytes, not `public` / `information_schema`, not starting with `pg_`.
 */
export function isValidHandle(s: string): boolean {
  if (Buffer.byteLength(s, "utf8") > 63 || s.length === 0) return false;
  if (!/[a-z]/.test(s[0]) || s[0] !== s[0].toLowerCase() || !"abcdefghijklmnopqrstuvwxyz".includes(s[0])) return false;
  for (const ch of s) if (!"abcdefghijklmnopqrstuvwxyz0123456789_".includes(ch)) return false;
  if (s.includes("__") || s.endsWith("_")) return false;
  if (s === "public" || s === "information_schema" || s.startsWith("pg_")) return false;
  return true;
}

/** Strings near the rule's edges: its own characters, a few outsiders, and the reserved words. */
export const handleLike = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", "b", "p", "g", "z", "0", "9", "_", "_", "A", "-", " ", "é", "ß", "."), maxLength: 70 }),
  fc.constantFrom("public", "information_schema", "pg_catalog", "pg_", "pg", "pgx", "a".repeat(63), "a".repeat(64), `a${"_b".repeat(31)}`),
  fc.string({ maxLength: 80 }),
);
