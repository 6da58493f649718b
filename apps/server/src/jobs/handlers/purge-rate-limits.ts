import { sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.ts';

/** Housekeeping: rate-limit counters of windows that have ended count nothing any more. */
export async function purgeRateLimits(ctx: AppContext): Promise<{ counters: number }> {
  return ctx.database.system(async (tx) => {
    const result = await tx.execute(sql`
      delete from rate_limit_counters
      where window_start + make_interval(secs => window_seconds) < now() - interval '1 hour'`);
    const anonymous = await tx.execute(sql`
      delete from anonymous_rate_limit_counters
      where window_start + make_interval(secs => window_seconds) < now() - interval '1 hour'`);
    return { counters: (result.rowCount ?? 0) + (anonymous.rowCount ?? 0) };
  });
}
