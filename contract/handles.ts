import { z } from "zod";

/**
 * A handle is a PostgreSQL schema name: lower case letters, digits and single underscores,
 * starting with a letter, not ending with `_`, at most 63 bytes (SPEC §3.2).
 */
export const HANDLE_PATTERN = /^[a-z](?:[a-z0-9]|_(?=[a-z0-9])){0,62}$/;
export const RESERVED_HANDLES = new Set(["public", "information_schema"]);

export function handleProblem(handle: string): string | undefined {
  if (!HANDLE_PATTERN.test(handle)) {
    return "must start with a lower-case letter and contain only lower-case letters, digits and single underscores (no trailing underscore), at most 63 characters";
  }
  if (RESERVED_HANDLES.has(handle)) return `"${handle}" is reserved by PostgreSQL`;
  if (handle.startsWith("pg_")) return 'must not start with "pg_" (reserved by PostgreSQL)';
  return undefined;
}

export const handleSchema = z
  .string()
  .trim()
  .max(63)
  .superRefine((value, ctx) => {
    const problem = handleProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: `invalid handle: ${problem}` });
  });

/** Scope and user handles follow the same rules, so they can be used in URLs and schema names alike. */
export const titleSchema = z.string().trim().min(1).max(255);

/**
 * Derives a handle from free text: ASCII-folded, lower case, runs of anything else collapsed to
 * one underscore, prefixed when it would not start with a letter, and cut to leave room for a suffix.
 */
export function slugify(text: string, maxLength = 56): string {
  let slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(slug)) slug = `c_${slug}`.replace(/_+$/, "");
  slug = slug.slice(0, maxLength).replace(/_+$/, "");
  if (slug === "c" || slug === "") slug = "connection";
  // The base and its collision suffixes must all be valid: `pg` is, but `pg_2` is not.
  if (handleProblem(slug) || handleProblem(handleCandidate(slug, 2))) slug = `c_${slug}`.slice(0, maxLength).replace(/_+$/, "");
  return slug;
}

/** The n-th candidate for a derived handle: `base`, `base_2`, `base_3`, … */
export function handleCandidate(base: string, n: number): string {
  return n <= 1 ? base : `${base}_${n}`;
}
