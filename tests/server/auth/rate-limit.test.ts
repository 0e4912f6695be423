import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { describeEachDb } from "../../helpers/app";
import { contractChecker } from "../../helpers/openapi";

/**
 * SPEC §7.2: a rate limit per verified identity (the user behind a user's tokens, or the service
 * token), and per client address for requests without a valid token, so that rotating made-up
 * tokens gains nothing.
 */
const LIMIT = 20;

describeEachDb(
  "rate limits per identity and per address (SPEC §7.2)",
  (ctx) => {
    const me = (token: string | undefined, remoteAddress: string) =>
      ctx.t.app.inject({ method: "GET", url: "/v1/me", remoteAddress, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const madeUp = () => `sy_${randomBytes(5).toString("hex").slice(0, 9)}_${randomBytes(16).toString("hex")}`;

    it("past the limit an identity gets 429 rate_limited with Retry-After, whichever of its tokens it uses; other identities and /healthz are unaffected", async () => {
      const { user, token } = await ctx.t.user();
      const second = (await ctx.t.expect(201, "POST", "/v1/tokens", { token, body: { userId: user.id, name: "second" } })).token as string;
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < LIMIT + 5; i++) {
        last = await me(i % 2 ? token : second, "192.0.2.1");
        statuses.push(last.statusCode);
      }
      // one request went to creating the second token: both tokens draw on the user's one budget
      expect(statuses.filter((s) => s === 200)).to.have.length(LIMIT - 1);
      expect(statuses.slice(LIMIT - 1).every((s) => s === 429)).to.equal(true);
      expect(Number(last!.headers["retry-after"])).to.be.within(1, 60);
      const body = JSON.parse(last!.body);
      expect(body.error).to.include({ code: "rate_limited" }).and.have.property("requestId");
      const check = await contractChecker(await ctx.t.expect(200, "GET", "/openapi.json", { token: null }));
      expect(check({ method: "GET", route: "/v1/me", url: "/v1/me", status: 429, contentType: String(last!.headers["content-type"]), body: last!.body })).to.equal(undefined);

      const other = await ctx.t.user();
      expect((await me(other.token, "192.0.2.1")).statusCode).to.equal(200);
      expect((await ctx.t.app.inject({ method: "GET", url: "/healthz", remoteAddress: "192.0.2.1" })).statusCode).to.equal(200);
    });

    it("rotating made-up tokens gains nothing: one address gets 401 until its budget is spent, then 429; a valid token there keeps its own budget", async () => {
      const address = "198.51.100.7";
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < LIMIT + 10; i++) {
        last = await me(madeUp(), address);
        statuses.push(last.statusCode);
      }
      expect(statuses.slice(0, LIMIT)).to.deep.equal(Array(LIMIT).fill(401));
      expect(statuses.slice(LIMIT)).to.deep.equal(Array(10).fill(429));
      expect(Number(last!.headers["retry-after"])).to.be.within(1, 60);
      expect(JSON.parse(last!.body).error).to.include({ code: "rate_limited" });
      // without a token, or with a known prefix and a made-up secret, the same address budget applies
      expect((await me(undefined, address)).statusCode).to.equal(429);
      const { token } = await ctx.t.user();
      expect((await me(token.slice(0, 12) + "x".repeat(token.length - 12), address)).statusCode).to.equal(429);
      // a verified identity is counted on its own budget, wherever it calls from
      expect((await me(token, address)).statusCode).to.equal(200);
      // another address has a budget of its own
      expect((await me(madeUp(), "198.51.100.8")).statusCode).to.equal(401);
    });
  },
  { rateLimit: LIMIT },
);
