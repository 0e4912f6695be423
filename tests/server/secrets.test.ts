import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox, loadOrCreateKeyFile, parseMasterKey } from "../../server/secrets";

describe("secret encryption at rest (SPEC §3.4)", () => {
  const box = createSecretBox(randomBytes(32));

  it("a secret round-trips through AES-256-GCM and the sealed form holds no plaintext", () => {
    const sealed = box.encrypt("conn_a", "password", "hunter2-plaintext");
    expect(JSON.stringify(sealed)).to.not.contain("hunter2");
    expect(box.decrypt("conn_a", "password", sealed)).to.equal("hunter2-plaintext");
  });

  it("a ciphertext copied to another connection or another field does not decrypt", () => {
    const sealed = box.encrypt("conn_a", "password", "value");
    expect(() => box.decrypt("conn_b", "password", sealed)).to.throw();
    expect(() => box.decrypt("conn_a", "secretAccessKey", sealed)).to.throw();
  });

  it("a tampered ciphertext or another key does not decrypt", () => {
    const sealed = box.encrypt("conn_a", "password", "value");
    const flipped = Buffer.from(sealed.ct, "base64");
    flipped[0] ^= 1;
    expect(() => box.decrypt("conn_a", "password", { ...sealed, ct: flipped.toString("base64") })).to.throw();
    expect(() => createSecretBox(randomBytes(32)).decrypt("conn_a", "password", sealed)).to.throw();
  });

  it("the fingerprint is a keyed hash: stable for a value, different for another value or key", () => {
    const a = box.encrypt("conn_a", "password", "one");
    const again = box.encrypt("conn_a", "password", "one");
    expect(again.ct).to.not.equal(a.ct); // a fresh IV every time
    expect(again.fp).to.equal(a.fp);
    expect(box.encrypt("conn_a", "password", "two").fp).to.not.equal(a.fp);
    expect(createSecretBox(randomBytes(32)).fingerprint("conn_a", "password", "one")).to.not.equal(a.fp);
  });

  it("the master key is 32 bytes as base64 or hex; anything else is refused with a hint", () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString("base64")).equals(key)).to.equal(true);
    expect(parseMasterKey(key.toString("hex")).equals(key)).to.equal(true);
    expect(() => parseMasterKey("short")).to.throw(/32 bytes/);
  });

  it("the embedded default creates a key file with mode 0600 once, and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-key-"));
    try {
      const first = loadOrCreateKeyFile(dir);
      const file = join(dir, "secret.key");
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      expect(loadOrCreateKeyFile(dir).equals(first)).to.equal(true);
      expect(parseMasterKey(readFileSync(file, "utf8")).equals(first)).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
