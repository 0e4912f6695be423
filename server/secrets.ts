import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytesPooled } from "../contract/random";

/**
 * Encryption of secret config fields at rest (SPEC §3.4): AES-256-GCM with a key derived from
 * the configured master key, each ciphertext bound to its connection and field through the
 * associated data, so a ciphertext copied to another row or field does not decrypt.
 */
export interface EncryptedField {
  v: 1;
  iv: string;
  ct: string;
  tag: string;
  /** Keyed hash of the value, shown to clients so they can detect a change without the value. */
  fp: string;
}

export interface SecretBox {
  encrypt(connectionId: string, field: string, value: string): EncryptedField;
  decrypt(connectionId: string, field: string, sealed: EncryptedField): string;
  fingerprint(connectionId: string, field: string, value: string): string;
}

export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) {
    throw new Error("SWITCHYARD_SECRET_KEY must be 32 bytes, as base64 or 64 hex characters (generate one with: openssl rand -base64 32)");
  }
  return key;
}

/** Reads the key file beside the embedded database, creating it (mode 0600) on first start. */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const path = join(dataDir, "secret.key");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
      closeSync(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return parseMasterKey(readFileSync(path, "utf8"));
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  // Key objects, made once: a raw key given to createCipheriv or createHmac is imported on every call.
  const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), info, 32)));
  const encKey = derive("switchyard/secrets/v1");
  const fpKey = derive("switchyard/fingerprints/v1");
  const aad = (connectionId: string, field: string) => Buffer.from(`${connectionId}\u0000${field}`, "utf8");

  const fingerprint = (connectionId: string, field: string, value: string) =>
    createHmac("sha256", fpKey).update(`${connectionId}\u0000${field}\u0000${value}`, "utf8").digest("base64url").slice(0, 22);

  return {
    fingerprint,
    encrypt(connectionId, field, value) {
      const iv = randomBytesPooled(12);
      const cipher = createCipheriv("aes-256-gcm", encKey, iv);
      cipher.setAAD(aad(connectionId, field));
      const ct = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
      return { v: 1, iv: iv.toString("base64"), ct: ct.toString("base64"), tag: cipher.getAuthTag().toString("base64"), fp: fingerprint(connectionId, field, value) };
    },
    decrypt(connectionId, field, sealed) {
      const decipher = createDecipheriv("aes-256-gcm", encKey, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(aad(connectionId, field));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, "base64")), decipher.final()]).toString("utf8");
    },
  };
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
