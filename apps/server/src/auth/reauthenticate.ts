import { users } from '@cdp/db';
import { eq } from 'drizzle-orm';
import type { RequestOrigin } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { type Actor, actorRef } from './actor.ts';
import { recordWrongPassword } from './login.ts';
import { clearPasswordFailures, lockState } from './login-throttle.ts';
import { verifyPassword } from './passwords.ts';

/**
 * A signed-in user proves it is them again by typing their password (changing the password,
 * later electronic signatures). A stolen session must not become a password-guessing oracle, so
 * a wrong password counts toward the same locks as sign-in and is audited, and while the account
 * is locked the password is not even checked. The user is signed in, so the lock may be named.
 */
export async function reauthenticate(
  ctx: AppContext,
  actor: Actor,
  password: string,
  origin: RequestOrigin,
  purpose: string,
  field = 'body.currentPassword',
): Promise<void> {
  const { config, database } = ctx;
  const who = actorRef(actor);
  const user = { id: actor.userId, orgId: actor.orgId };
  const { lock, passwordHash } = await database.tenant(actor.orgId, async (tx) => {
    const [row] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
    return { lock: await lockState(tx, actor.userId, origin.ip), passwordHash: row?.passwordHash ?? null };
  });
  if (lock.scope) throw lockedError(lock.lockedUntil, user, who, { purpose, scope: lock.scope });

  if (passwordHash && (await verifyPassword(passwordHash, password))) {
    await database.tenant(actor.orgId, (tx) => clearPasswordFailures(tx, actor.userId, origin.ip));
    return;
  }
  const outcome = await database.tenant(actor.orgId, (tx) =>
    recordWrongPassword(tx, config, user, who, origin, 'auth.reauth_failed', { purpose }),
  );
  if (outcome.locked) {
    throw lockedError(outcome.locked.lockedUntil, user, who, { purpose, scope: outcome.locked.scope, started: true });
  }
  throw new AppError('INVALID_CREDENTIALS', 'The password is incorrect.', {
    issues: [{ path: field, message: 'The password is incorrect.' }],
  });
}

function lockedError(
  lockedUntil: Date | null,
  user: { id: string; orgId: string },
  actor: ReturnType<typeof actorRef>,
  detail: Record<string, unknown>,
): AppError {
  const until = lockedUntil ? new Date(lockedUntil) : null;
  const minutes = until ? Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000)) : null;
  return new AppError(
    'ACCOUNT_LOCKED',
    `Too many wrong passwords. Try again in ${minutes ?? 'a few'} minute${minutes === 1 ? '' : 's'}, or ask an administrator to unlock your account.`,
    { lockedUntil: until?.toISOString() ?? null },
  ).withSecurity({ orgId: user.orgId, kind: 'login_locked', actor, resourceType: 'user', resourceId: user.id, detail });
}
