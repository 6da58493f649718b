import { refreshTokens, sessions, type Tx } from '@cdp/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AuditAuthor, Origin } from './author.ts';
import { newRefreshToken } from './tokens.ts';

export type SessionEndReason =
  | 'logout'
  | 'idle_timeout'
  | 'max_age'
  | 'refresh_reuse'
  | 'deactivated'
  | 'password_changed';

/** Opens a session with its first refresh token; returns the token for the cookie. */
export async function startSession(
  tx: Tx,
  user: { id: string; orgId: string },
  maxHours: number,
  origin: Origin,
): Promise<{ sessionId: string; refreshToken: string }> {
  const [session] = await tx
    .insert(sessions)
    .values({
      orgId: user.orgId,
      userId: user.id,
      expiresAt: sql`now() + make_interval(hours => ${maxHours})`,
      ip: origin.ip,
      userAgent: origin.userAgent,
    })
    .returning({ id: sessions.id });
  if (!session) throw new Error('session insert returned nothing');
  const refreshToken = await issueRefreshToken(tx, user.orgId, session.id);
  return { sessionId: session.id, refreshToken };
}

export async function issueRefreshToken(tx: Tx, orgId: string, sessionId: string): Promise<string> {
  const { token, hash } = newRefreshToken();
  await tx.insert(refreshTokens).values({ orgId, sessionId, tokenHash: hash });
  return token;
}

/** Ends one session (idempotent) and records why in the audit trail. */
export async function endSession(
  tx: Tx,
  orgId: string,
  sessionId: string,
  reason: SessionEndReason,
  author: AuditAuthor,
): Promise<boolean> {
  const ended = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ userId: sessions.userId });
  const row = ended[0];
  if (!row) return false;
  await appendAudit(tx, {
    orgId,
    author,
    action: reason === 'logout' ? 'auth.logout' : 'auth.session_ended',
    resourceType: 'session',
    resourceId: sessionId,
    newValues: { userId: row.userId, reason },
  });
  return true;
}

/** Ends every open session of a user (deactivation, password change elsewhere). */
export async function endUserSessions(
  tx: Tx,
  orgId: string,
  userId: string,
  reason: SessionEndReason,
  author: AuditAuthor,
  exceptSessionId?: string,
): Promise<number> {
  const open = await tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  let count = 0;
  for (const { id } of open) {
    if (id === exceptSessionId) continue;
    if (await endSession(tx, orgId, id, reason, author)) count += 1;
  }
  return count;
}

/** The 401 a user meets when their session timed out, in words they can act on. */
export function sessionExpiredError(reason: 'idle_timeout' | 'max_age', idleMinutes: number): AppError {
  const minutes = `${idleMinutes} minute${idleMinutes === 1 ? '' : 's'}`;
  return new AppError(
    'SESSION_EXPIRED',
    reason === 'max_age'
      ? 'Your session reached its maximum length. Sign in again.'
      : `Your session expired after ${minutes} of inactivity. Sign in again.`,
  );
}
