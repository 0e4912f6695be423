import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError, UnauthorizedError } from "../errors";
import type { AuthService } from "./service";

function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  return (header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null)?.[1];
}

/**
 * Guards every `/v1` request, in this order: authenticate the token, count the request against a
 * rate limit, then refuse it if the token did not authenticate. The budget is per verified
 * identity (the user behind a user's tokens, or the service token) and, for a request without a
 * valid token, per client address: a made-up token gets no budget of its own, so rotating them
 * gains nothing, while a valid token keeps its own budget on an address that is being refused.
 */
export async function guardRequests(app: FastifyInstance, auth: AuthService, opts: { rateLimit: number }): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    max: opts.rateLimit,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.principal ? `id:${req.principal.actorId}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) =>
      new AppError(429, "rate_limited", `rate limit of ${ctx.max} requests per minute exceeded; retry after ${Math.ceil(ctx.ttl / 1000)} s (Retry-After)`),
  });
  const limit = app.rateLimit();
  app.addHook("onRequest", async (req, reply) => {
    if (!req.url.startsWith("/v1/")) return;
    let refused: UnauthorizedError | undefined;
    const token = bearerToken(req);
    if (token === undefined) refused = new UnauthorizedError();
    else {
      try {
        req.principal = await auth.authenticate(token);
      } catch (err) {
        if (!(err instanceof UnauthorizedError)) throw err;
        refused = err;
      }
    }
    await limit.call(app, req, reply);
    if (refused) throw refused;
  });
}
