import type pg from 'pg';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** What the plugin passes for a route: its typings name the route's options, at run time they sit under routeInfo. */
interface RouteOptions {
  method?: string | string[];
  url?: string;
  routeInfo?: { method?: string | string[]; url?: string };
}

/**
 * A store for @fastify/rate-limit (the per-address limits of sign-in and token refresh) that
 * counts in PostgreSQL instead of each process's memory: behind a load balancer, N API processes
 * would otherwise grant N times the limit. One upsert of a fixed window per request, as the
 * signed-in limits do (plugins/rate-limits.ts); ended windows are purged by `rate_limits.purge`.
 */
export function sharedRateLimitStore(pool: pg.Pool) {
  return class SharedRateLimitStore {
    constructor(
      _globalParams?: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: Callback, timeWindowMs: number): void {
      const seconds = Math.max(1, Math.round(timeWindowMs / 1000));
      pool
        .query<{ hits: number; reset_ms: number }>(
          `insert into anonymous_rate_limit_counters as c (bucket, window_start, window_seconds, hits)
           values ($1, to_timestamp(floor(extract(epoch from now()) / $2) * $2), $2, 1)
           on conflict (bucket, window_start) do update set hits = c.hits + 1
           returning c.hits,
             greatest(1, ceil(extract(epoch from c.window_start + make_interval(secs => c.window_seconds) - now()) * 1000))::int as reset_ms`,
          [`${this.prefix}${key}`, seconds],
        )
        .then(
          ({ rows }) => callback(null, { current: rows[0]?.hits ?? 1, ttl: rows[0]?.reset_ms ?? timeWindowMs }),
          (error: Error) => callback(error),
        );
    }

    child(routeOptions: RouteOptions): SharedRateLimitStore {
      const info = routeOptions.routeInfo ?? routeOptions;
      const route = `${String(info.method ?? '')} ${info.url ?? ''}`;
      return new SharedRateLimitStore(undefined, `${this.prefix}${route}|`);
    }
  };
}
