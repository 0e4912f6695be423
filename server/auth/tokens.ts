import { createHash, randomBytes } from "node:crypto";

/** Tokens look like `sy_<9 chars>_<32 chars>`; the first 12 characters are the public lookup prefix. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function randomText(length: number): string {
  let s = "";
  for (const b of randomBytes(length)) s += ALPHABET[b & 31];
  return s;
}

export function generateToken(): string {
  return `sy_${randomText(9)}_${randomText(32)}`;
}

export function tokenPrefix(token: string): string {
  return token.slice(0, 12);
}

/** Tokens are random and long, so one fast hash suffices; only this hash is stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
