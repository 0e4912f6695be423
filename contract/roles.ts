/** Roles at a scope, from weakest to strongest (SPEC §1); a role applies to everything below its scope. */
export const ROLES = ["viewer", "editor", "operator", "owner"] as const;
export type Role = (typeof ROLES)[number];
