import { users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts';
import { reauthenticate } from '../auth/reauthenticate.ts';
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
  input: {
    currentPassword: string;
    newPassword: string;
    /** The session the change is made in: it stays open, the user's others end. */
    sessionId: string;
    /** Whether the password replaced was a temporary one (recorded in the trail). */
    wasTemporary: boolean;
  },
): Promise<void> {
  const { currentPassword, newPassword } = input;
  const userId = author.id;
  if (author.type !== 'user' || !userId) throw new Error('only a signed-in user changes their own password');
  const problems = checkPasswordPolicy(newPassword, author.label);
  if (newPassword === currentPassword) problems.push('Choose a password different from the current one.');
  if (problems.length > 0) {
    throw new AppError('PASSWORD_POLICY', problems.join(' '), {
      issues: problems.map((message) => ({ path: 'body.newPassword', message })),
    });
  }
  // A wrong current password counts toward the sign-in locks and is audited (reauthenticate.ts).
  await reauthenticate(ctx, author, currentPassword, 'change_password');
  const passwordHash = await hashPassword(newPassword);
  await ctx.database.tenant(author.orgId, async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: false, passwordChangedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(users.id, userId));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'auth.password_changed',
      resourceType: 'user',
      resourceId: userId,
      newValues: { wasTemporary: input.wasTemporary },
    });
    await endUserSessions(tx, author.orgId, userId, 'password_changed', author, input.sessionId);
  });
}
