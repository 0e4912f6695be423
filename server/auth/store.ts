import type { Queryable } from "../db/db";
import type { Role } from "./principal";

export interface TokenLookupRow {
  id: string;
  user_id: string | null;
  scope_id: string | null;
  role: Role | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  is_admin: boolean | null;
  memberships: { s: string; r: Role }[];
}

/**
 * One round trip: the token whose prefix AND hash match, its user and the user's roles. A token
 * is found by its hash, never by comparing secrets in JavaScript: an unknown token and a known
 * prefix with a wrong secret both find no row (the prefix only picks the index entry).
 */
export async function findTokenByHash(tx: Queryable, prefix: string, hash: string): Promise<TokenLookupRow | undefined> {
  const { rows } = await tx.query<TokenLookupRow>(
    `SELECT t.id, t.user_id, t.scope_id, t.role, t.expires_at, t.revoked_at, u.is_admin,
            coalesce((SELECT json_agg(json_build_object('s', m.scope_id, 'r', m.role)) FROM memberships m WHERE m.user_id = t.user_id), '[]'::json) AS memberships
       FROM tokens t LEFT JOIN users u ON u.id = t.user_id
      WHERE t.prefix = $1 AND t.hash = $2`,
    [prefix, hash],
  );
  return rows[0];
}

export interface UserRow {
  id: string;
  handle: string;
  title: string;
  is_admin: boolean;
  version: number;
  created_at: Date;
  created_by: string | null;
}

export function userFromRow(r: UserRow) {
  return { id: r.id, handle: r.handle, title: r.title, isAdmin: r.is_admin, version: r.version, createdAt: new Date(r.created_at).toISOString(), createdBy: r.created_by };
}

export async function insertUser(tx: Queryable, u: { id: string; handle: string; title: string; isAdmin: boolean; actorId: string | null }) {
  const { rows } = await tx.query<UserRow>(
    "INSERT INTO users (id, handle, title, is_admin, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *",
    [u.id, u.handle, u.title, u.isAdmin, u.actorId],
  );
  return userFromRow(rows[0]);
}

export async function findUser(tx: Queryable, id: string) {
  const { rows } = await tx.query<UserRow>("SELECT * FROM users WHERE id = $1", [id]);
  return rows[0] ? userFromRow(rows[0]) : undefined;
}

export async function findUserByHandle(tx: Queryable, handle: string) {
  const { rows } = await tx.query<UserRow>("SELECT * FROM users WHERE handle = $1", [handle]);
  return rows[0] ? userFromRow(rows[0]) : undefined;
}

export async function countAdmins(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE is_admin");
  return rows[0].n;
}

export interface TokenRow {
  id: string;
  prefix: string;
  name: string;
  user_id: string | null;
  scope_id: string | null;
  role: Role | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  created_by: string | null;
}

export function tokenFromRow(r: TokenRow) {
  return {
    id: r.id,
    prefix: r.prefix,
    name: r.name,
    userId: r.user_id,
    scopeId: r.scope_id,
    role: r.role,
    expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

export async function insertToken(
  tx: Queryable,
  t: { id: string; prefix: string; hash: string; name: string; userId: string | null; scopeId: string | null; role: Role | null; expiresAt: string | null; actorId: string | null },
) {
  const { rows } = await tx.query<TokenRow>(
    `INSERT INTO tokens (id, prefix, hash, name, user_id, scope_id, role, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, prefix, name, user_id, scope_id, role, expires_at, revoked_at, created_at, created_by`,
    [t.id, t.prefix, t.hash, t.name, t.userId, t.scopeId, t.role, t.expiresAt, t.actorId],
  );
  return tokenFromRow(rows[0]);
}

export async function findToken(tx: Queryable, id: string, forUpdate = false) {
  const { rows } = await tx.query<TokenRow>(
    `SELECT id, prefix, name, user_id, scope_id, role, expires_at, revoked_at, created_at, created_by FROM tokens WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return rows[0] ? tokenFromRow(rows[0]) : undefined;
}

export async function revokeToken(tx: Queryable, id: string) {
  const { rows } = await tx.query<TokenRow>(
    `UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
     RETURNING id, prefix, name, user_id, scope_id, role, expires_at, revoked_at, created_at, created_by`,
    [id],
  );
  return tokenFromRow(rows[0]);
}

export interface MemberRow {
  scope_id: string;
  user_id: string;
  role: Role;
  version: number;
  created_at: Date;
  updated_at: Date;
  handle: string;
  title: string;
}

export function memberFromRow(r: MemberRow) {
  return {
    scopeId: r.scope_id,
    userId: r.user_id,
    userHandle: r.handle,
    userTitle: r.title,
    role: r.role,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function upsertMember(tx: Queryable, scopeId: string, userId: string, role: Role) {
  const { rows } = await tx.query<MemberRow>(
    `WITH m AS (
       INSERT INTO memberships (scope_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (scope_id, user_id) DO UPDATE SET role = EXCLUDED.role, version = memberships.version + 1, updated_at = now()
       RETURNING *)
     SELECT m.*, u.handle, u.title FROM m JOIN users u ON u.id = m.user_id`,
    [scopeId, userId, role],
  );
  return memberFromRow(rows[0]);
}

export async function findMember(tx: Queryable, scopeId: string, userId: string, forUpdate = true) {
  const { rows } = await tx.query<MemberRow>(
    `SELECT m.*, u.handle, u.title FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.scope_id = $1 AND m.user_id = $2${forUpdate ? " FOR UPDATE OF m" : ""}`,
    [scopeId, userId],
  );
  return rows[0] ? memberFromRow(rows[0]) : undefined;
}

export async function deleteMember(tx: Queryable, scopeId: string, userId: string) {
  await tx.query("DELETE FROM memberships WHERE scope_id = $1 AND user_id = $2", [scopeId, userId]);
}

export async function listMembers(tx: Queryable, scopeId: string, limit: number, afterUserId?: string) {
  const { rows } = await tx.query<MemberRow>(
    `SELECT m.*, u.handle, u.title FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.scope_id = $1 AND ($2::text IS NULL OR m.user_id > $2) ORDER BY m.user_id LIMIT $3`,
    [scopeId, afterUserId ?? null, limit],
  );
  return rows.map(memberFromRow);
}

/** Whether the user holds the owner role anywhere (owners may create users to invite them). */
export async function isOwnerSomewhere(tx: Queryable, userId: string): Promise<boolean> {
  const { rows } = await tx.query("SELECT 1 FROM memberships WHERE user_id = $1 AND role = 'owner' LIMIT 1", [userId]);
  return rows.length > 0;
}
