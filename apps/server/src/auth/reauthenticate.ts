import { users } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { AuditAuthor, Author } from './author.ts';
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
  author: Author,
  password: string,
  purpose: string,
  field = 'body.currentPassword',
): Promise<void> {
  const { config, database } = ctx;
  const userId = author.id;
  if (author.type !== 'user' || !userId) throw new Error('only a signed-in user re-authenticates');
  const who: AuditAuthor = {
    type: author.type,
    id: userId,
    label: author.label,
    ip: author.ip,
    userAgent: author.userAgent,
  };
  const user = { id: userId, orgId: author.orgId };
  const { lock, passwordHash } = await database.tenant(author.orgId, async (tx) => {
    const [row] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
    return { lock: await lockState(tx, userId, author.ip), passwordHash: row?.passwordHash ?? null };
  });
  if (lock.scope) throw lockedError(lock.lockedUntil, user, who, { purpose, scope: lock.scope });

  if (passwordHash && (await verifyPassword(passwordHash, password))) {
    await database.tenant(author.orgId, (tx) => clearPasswordFailures(tx, userId, author.ip));
    return;
  }
  const outcome = await database.tenant(author.orgId, (tx) =>
    recordWrongPassword(tx, config, user, who, 'auth.reauth_failed', { purpose }),
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
  actor: AuditAuthor,
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
