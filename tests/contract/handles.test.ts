import { expect } from "chai";
import fc from "fast-check";
import { handleCandidate, handleProblem, handleSchema, slugify } from "../../contract/handles";
import { handleLike, isValidHandle } from "../helpers/handles";

describe("handle rule (SPEC §3.2)", () => {
  it("a handle is accepted exactly when it follows the rule (property)", () => {
    fc.assert(
      fc.property(handleLike, (s) => {
        expect(handleProblem(s) === undefined, JSON.stringify(s)).to.equal(isValidHandle(s));
        expect(handleSchema.safeParse(s).success, JSON.stringify(s)).to.equal(isValidHandle(s.trim()));
      }),
      { numRuns: 2000 },
    );
  });

  it("reserved names and the 63-byte limit are refused", () => {
    for (const s of ["public", "information_schema", "pg_catalog", "pg_x", "a".repeat(64)]) expect(handleProblem(s), s).to.be.a("string");
    for (const s of ["pg", "pgx", "publicity", "a".repeat(63), "x_1_y"]) expect(handleProblem(s), s).to.equal(undefined);
  });

  it("a handle derived from any title follows the rule, and so do its collision suffixes (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: "grapheme", maxLength: 80 }), handleLike), fc.integer({ min: 1, max: 100_000 }), (title, n) => {
        const slug = slugify(title);
        expect(isValidHandle(slug), `${JSON.stringify(title)} -> ${slug}`).to.equal(true);
        expect(isValidHandle(handleCandidate(slug, n)), `${slug} #${n}`).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("slugify lower-cases, folds accents and joins words with single underscores", () => {
    expect(slugify("Main DB")).to.equal("main_db");
    expect(slugify("  Café -- Analytics!! ")).to.equal("cafe_analytics");
    expect(slugify("2024 Sales")).to.equal("c_2024_sales");
    expect(slugify("public")).to.equal("c_public");
    expect(slugify("pg_stat")).to.equal("c_pg_stat");
    expect(slugify("!!!")).to.equal("connection");
    expect(slugify("PG")).to.equal("c_pg"); // pg_2 would be reserved
  });
});
