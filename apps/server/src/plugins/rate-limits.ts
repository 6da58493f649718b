import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { rateCounterFor } from '../lib/rate-counter.ts';
import { routeLimitName } from '../lib/route-limits.ts';

const HOUR = 3600;
const DAY = 86_400;

interface Bucket {
  name: string;
  seconds: number;
  limit: number;
  /** What the limit is, for the 429 message (written only when one is sent). */
  describe(): string;
}

/**
 * An actor's buckets per method and route pattern. An actor object is built once per lookup and
 * served from the actor cache meanwhile (auth/actor-cache.ts), so its buckets are too: the same
 * names and limits, without strings built and a route table searched on every request.
 */
const bucketsOfActor = new WeakMap<AppContext['config'], WeakMap<Actor, Map<string, Bucket[]>>>();

/**
 * Every limit a request counts against (docs/api.md, "Rate limits"). A key: its hourly and daily
 * limits, and the route's own hourly limit per key when the route has one. A signed-in user: one
 * hourly budget over all routes (the web app calls many routes per page, so the per-route table,
 * written for machines, does not apply to people).
 */
export function bucketsFor(actor: Actor, method: string, url: string | undefined, ctx: AppContext): Bucket[] {
  let ofConfig = bucketsOfActor.get(ctx.config);
  if (!ofConfig) {
    ofConfig = new WeakMap();
    bucketsOfActor.set(ctx.config, ofConfig);
  }
  let perRoute = ofConfig.get(actor);
  if (!perRoute) {
    perRoute = new Map();
    ofConfig.set(actor, perRoute);
  }
  // A user's one budget covers every route: one entry.
  const at = actor.apiKey ? `${method} ${url ?? ''}` : '';
  let buckets = perRoute.get(at);
  if (!buckets) {
    buckets = bucketsOf(actor, method, url, ctx);
    perRoute.set(at, buckets);
  }
  return buckets;
}

function bucketsOf(actor: Actor, method: string, url: string | undefined, ctx: AppContext): Bucket[] {
  if (!actor.apiKey) {
    const limit = ctx.config.rateLimitUserPerHour;
    return [
      { name: `user:${actor.userId}:h`, seconds: HOUR, limit, describe: () => `${limit} requests per hour per user` },
    ];
  }
  const key = actor.apiKey;
  const buckets: Bucket[] = [
    {
      name: `key:${key.id}:h`,
      seconds: HOUR,
      limit: key.hourlyLimit,
      describe: () => `${key.hourlyLimit} requests per hour`,
    },
    {
      name: `key:${key.id}:d`,
      seconds: DAY,
      limit: key.dailyLimit,
      describe: () => `${key.dailyLimit} requests per day`,
    },
  ];
  const route = routeLimitName(method, url);
  if (route) {
    const limit = ctx.config.rateLimitRoutes[route];
    buckets.push({
      name: `key:${key.id}:${route}`,
      seconds: HOUR,
      limit,
      describe: () => `${limit} ${route} requests per hour`,
    });
  }
  return buckets;
}

/**
 * Counts the request against fixed-window counters shared by every API process (in PostgreSQL;
 * written in batches far from a limit and at once near it: lib/rate-counter.ts), answers the standard RateLimit-* headers for the tightest limit, and refuses with 429
 * and Retry-After once any limit is spent. Refused requests count too: a client that keeps
 * knocking stays refused until the window turns, which is what Retry-After tells it.
 */
export const rateLimitsPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
  const counter = rateCounterFor(ctx.database, ctx.config.rateLimitFlushMs);
  // Counts still in memory are written before the process lets go of its database.
  app.addHook('onClose', async () => counter.stop().catch(() => undefined));
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = request.actor;
    if (!actor) return;
    const buckets = bucketsFor(actor, request.method, request.routeOptions.url, ctx);
    const rows = await counter.hit(actor.orgId, buckets);
    const counted = buckets.map((bucket) => {
      const row = rows.find((r) => r.name === bucket.name);
      const hits = row?.hits ?? 1;
      return {
        ...bucket,
        hits,
        remaining: Math.max(0, bucket.limit - hits),
        reset: row?.reset ?? bucket.seconds,
      };
    });
    const tightest = counted.reduce((a, b) =>
      b.remaining < a.remaining || (b.remaining === a.remaining && b.reset > a.reset) ? b : a,
    );
    reply.header('ratelimit-limit', tightest.limit);
    reply.header('ratelimit-remaining', tightest.remaining);
    reply.header('ratelimit-reset', tightest.reset);

    const over = counted.filter((b) => b.hits > b.limit);
    if (over.length === 0) return;
    const wait = over.reduce((a, b) => (b.reset > a.reset ? b : a));
    reply.header('retry-after', wait.reset);
    const who = actor.apiKey ? `API key "${actor.apiKey.name}"` : 'You';
    throw new AppError(
      'RATE_LIMITED',
      `${who} reached the limit of ${wait.describe()}. Try again in ${wait.reset} s (Retry-After).`,
      { limit: wait.limit, windowSeconds: wait.seconds, retryAfterSeconds: wait.reset },
    );
  });
});
