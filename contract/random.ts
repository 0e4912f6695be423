import { randomFillSync } from "node:crypto";

/**
 * Cryptographically random bytes, drawn from a pool that the CSPRNG fills 4 KiB at a time (as
 * Node.js does for `crypto.randomUUID`). On the machines measured here each call into the CSPRNG
 * costs ~5 µs whatever its size (4 KiB as much as 20 bytes), and under load up to ~40 µs: the id
 * and the IVs of one create were 7 % of the server's CPU (docs/operations.md, "Throughput"). Each
 * byte is handed out once, then overwritten by the next fill.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_SIZE) return randomFillSync(Buffer.alloc(n));
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
