import { users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { endUserSessions } from '../auth/sessions.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';

/**
 * A user replaces their own password (required after a temporary one was issued). The current
 * password is checked and the new one hashed outside the transaction (argon2 is slow); the
 * change ends the user's other sessions.
 */
export async function changeOwnPassword(
  ctx: AppContext,
  author: Author,
  input: { actor: Actor; currentPassword: string; newPassword: string },
): Promise<void> {
  const { actor, currentPassword, newPassword } = input;
  const problems = checkPasswordPolicy(newPassword, actor.email);
  if (newPassword === currentPassword) problems.push('Choose a password different from the current one.');
  if (problems.length > 0) {
    throw new AppError('PASSWORD_POLICY', problems.join(' '), {
      issues: problems.map((message) => ({ path: 'body.newPassword', message })),
    });
  }
  const [current] = await ctx.database.tenant(author.orgId, (tx) =>
    tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId)),
  );
  if (!current || !(await verifyPassword(current.passwordHash, currentPassword))) {
    throw new AppError('INVALID_CREDENTIALS', 'The current password is incorrect.', {
      issues: [{ path: 'body.currentPassword', message: 'The current password is incorrect.' }],
    });
  }
  const passwordHash = await hashPassword(newPassword);
  await ctx.database.tenant(author.orgId, async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: false, passwordChangedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(users.id, actor.userId));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'auth.password_changed',
      resourceType: 'user',
      resourceId: actor.userId,
      newValues: { wasTemporary: actor.mustChangePassword },
    });
    await endUserSessions(tx, author.orgId, actor.userId, 'password_changed', author, actor.sessionId);
  });
}
