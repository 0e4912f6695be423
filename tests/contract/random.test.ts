import { expect } from "chai";
import { idSchema, newId } from "../../contract/ids";
import { randomBytesPooled } from "../../contract/random";

describe("random bytes from the pool (ids, IVs)", () => {
  it("never hands out the same bytes twice, across refills of the pool", () => {
    const seen = new Set<string>();
    // 12-byte IVs: 5,000 of them span 15 refills of the 4 KiB pool.
    for (let i = 0; i < 5_000; i++) {
      const iv = randomBytesPooled(12);
      expect(iv.length).to.equal(12);
      seen.add(iv.toString("hex"));
    }
    expect(seen.size).to.equal(5_000);
  });

  it("answers sizes larger than the pool, and bytes that look random (every value of a byte appears)", () => {
    const big = randomBytesPooled(10_000);
    expect(big.length).to.equal(10_000);
    expect(new Set(big).size).to.equal(256);
    expect(big.equals(randomBytesPooled(10_000))).to.equal(false);
  });

  it("connection ids stay unique and well-formed", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("connection"));
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids.slice(0, 500)) expect(idSchema("connection").safeParse(id).success, id).to.equal(true);
  });
});
