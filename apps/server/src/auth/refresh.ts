import { refreshTokens, sessions } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { Origin } from './author.ts';
import { endSession, issueRefreshToken, sessionExpiredError } from './sessions.ts';
import { hashRefreshToken } from './tokens.ts';

export interface RefreshResult {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; name: string; orgId: string; mustChangePassword: boolean };
}

interface TokenRow extends Record<string, unknown> {
  token_id: string;
  used: boolean;
  session_id: string;
  org_id: string;
  revoked: boolean;
  expired: boolean;
  idle_seconds: number;
  user_id: string;
  email: string;
  name: string;
  must_change_password: boolean;
  active: boolean;
}

/**
 * Rotates the refresh token: the presented token is spent and a new one of the same family
 * (session) is issued. A spent token presented again means it was copied: the whole family is
 * revoked, which logs out both the thief and the user, and the event is audited.
 */
export async function refresh(ctx: AppContext, token: string, origin: Origin): Promise<RefreshResult> {
  const tokenHash = hashRefreshToken(token);
  const idleLimit = ctx.config.sessionIdleMinutes * 60;

  const outcome = await ctx.database.system(async (tx) => {
    const { rows } = await tx.execute<TokenRow>(sql`
      select rt.id as token_id, rt.used_at is not null as used,
             s.id as session_id, s.org_id, s.revoked_at is not null as revoked,
             s.expires_at <= now() as expired,
             extract(epoch from now() - s.last_activity_at)::float8 as idle_seconds,
             u.id as user_id, u.email, u.name, u.must_change_password,
             (u.status = 'active' and o.status = 'active') as active
      from refresh_tokens rt
      join sessions s on s.id = rt.session_id
      join users u on u.id = s.user_id
      join organizations o on o.id = s.org_id
      where rt.token_hash = ${tokenHash}
      for update of rt, s`);
    const row = rows[0];
    if (!row) return new AppError('UNAUTHENTICATED', 'You are not signed in.');
    const author = { type: 'user' as const, id: row.user_id, label: row.email, ...origin };

    if (row.used) {
      if (!row.revoked) {
        await appendAudit(tx, {
          orgId: row.org_id,
          author,
          action: 'auth.refresh_reuse',
          resourceType: 'session',
          resourceId: row.session_id,
          newValues: { userId: row.user_id },
        });
        await endSession(tx, row.org_id, row.session_id, 'refresh_reuse', author);
      }
      return new AppError(
        'REFRESH_TOKEN_REUSED',
        'This sign-in was used from somewhere else, so it has been ended for safety. Sign in again.',
      ).withSecurity({
        orgId: row.org_id,
        kind: 'refresh_reuse',
        actor: author,
        resourceType: 'session',
        resourceId: row.session_id,
      });
    }
    if (row.revoked) return new AppError('UNAUTHENTICATED', 'This session has ended. Sign in again.');
    if (!row.active) {
      await endSession(tx, row.org_id, row.session_id, 'deactivated', author);
      return new AppError('ACCOUNT_DISABLED', 'This account has been deactivated. Contact your administrator.');
    }
    if (row.expired || row.idle_seconds > idleLimit) {
      const reason = row.expired ? 'max_age' : 'idle_timeout';
      await endSession(tx, row.org_id, row.session_id, reason, author);
      return sessionExpiredError(reason, ctx.config.sessionIdleMinutes);
    }

    await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.token_id));
    await tx.update(sessions).set({ lastActivityAt: sql`now()` }).where(eq(sessions.id, row.session_id));
    const next = await issueRefreshToken(tx, row.org_id, row.session_id);
    return { row, next };
  });
  if (outcome instanceof AppError) throw outcome;

  const { row, next } = outcome;
  const accessToken = await ctx.tokens.sign({
    userId: row.user_id,
    orgId: row.org_id,
    sessionId: row.session_id,
  });
  return {
    accessToken,
    refreshToken: next,
    user: {
      id: row.user_id,
      email: row.email,
      name: row.name,
      orgId: row.org_id,
      mustChangePassword: row.must_change_password,
    },
  };
}
