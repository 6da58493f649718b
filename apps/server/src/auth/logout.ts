import { sql } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import type { Origin } from './author.ts';
import { endSession } from './sessions.ts';
import { bearerToken, hashRefreshToken } from './tokens.ts';

interface SessionRef extends Record<string, unknown> {
  session_id: string;
  org_id: string;
  user_id: string;
  email: string;
}

/**
 * Ends the session a refresh cookie, or else a bearer token, names (idempotent: an unknown or
 * already ended session is no error, so signing out always succeeds for the client).
 */
export async function logout(
  ctx: AppContext,
  credentials: { refreshToken?: string; authorization?: string },
  origin: Origin,
): Promise<void> {
  const session = credentials.refreshToken
    ? await sessionOfRefreshToken(ctx, credentials.refreshToken)
    : await sessionOfBearer(ctx, credentials.authorization);
  if (!session) return;
  await ctx.database.tenant(session.org_id, (tx) =>
    endSession(tx, session.org_id, session.session_id, 'logout', {
      type: 'user',
      id: session.user_id,
      label: session.email,
      ...origin,
    }),
  );
}

function sessionOfRefreshToken(ctx: AppContext, token: string): Promise<SessionRef | null> {
  return ctx.database.system(async (tx) => {
    const { rows } = await tx.execute<SessionRef>(sql`
      select s.id as session_id, s.org_id, u.id as user_id, u.email
      from refresh_tokens rt join sessions s on s.id = rt.session_id join users u on u.id = s.user_id
      where rt.token_hash = ${hashRefreshToken(token)}`);
    return rows[0] ?? null;
  });
}

/** Logout without a cookie (API clients): the bearer token names the session. */
async function sessionOfBearer(ctx: AppContext, header: string | undefined): Promise<SessionRef | null> {
  const token = bearerToken(header);
  if (!token) return null;
  try {
    const claims = await ctx.tokens.verify(token);
    return await ctx.database.tenant(claims.orgId, async (tx) => {
      const { rows } = await tx.execute<SessionRef>(sql`
        select s.id as session_id, s.org_id, u.id as user_id, u.email
        from sessions s join users u on u.id = s.user_id
        where s.id = ${claims.sessionId} and u.id = ${claims.userId}`);
      return rows[0] ?? null;
    });
  } catch {
    return null;
  }
}
