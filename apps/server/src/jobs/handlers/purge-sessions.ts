import { sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.ts';

/** Ended sessions are kept this long (their audit events stay forever). */
const KEEP_ENDED_SESSIONS_DAYS = 30;

/**
 * Housekeeping: refresh tokens of ended sessions can never be used again (reuse detection only
 * matters while a session is open), and ended sessions older than a month are dropped.
 */
export async function purgeSessions(ctx: AppContext): Promise<{ tokens: number; sessions: number }> {
  return ctx.database.system(async (tx) => {
    const tokens = await tx.execute(sql`
      delete from refresh_tokens rt using sessions s
      where rt.session_id = s.id and (s.revoked_at is not null or s.expires_at < now())`);
    const sessions = await tx.execute(sql`
      delete from sessions
      where coalesce(revoked_at, expires_at) < now() - make_interval(days => ${KEEP_ENDED_SESSIONS_DAYS})
        and not exists (select 1 from refresh_tokens rt where rt.session_id = sessions.id)`);
    return { tokens: tokens.rowCount ?? 0, sessions: sessions.rowCount ?? 0 };
  });
}
