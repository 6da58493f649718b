import { type Tx, users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { clearAllLocks } from '../auth/login-throttle.ts';
import { hashPassword } from '../auth/passwords.ts';
import { endUserSessions } from '../auth/sessions.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedUserFor } from '../policies/user.ts';
import { type UserRow, type UserWithRoles, withRoles } from '../repositories/users.repo.ts';
import { assertPasswordPolicy, assertUserQuota } from './create-user.ts';

async function save(tx: Tx, id: string, changes: PgUpdateSetSource<typeof users>): Promise<UserRow> {
  const [row] = await tx
    .update(users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new Error('user update returned nothing');
  return row;
}

/** One tenant transaction around a change to one user of the author's organization (404 otherwise). */
function changeUser(
  ctx: AppContext,
  author: Author,
  userId: string,
  change: (tx: Tx, user: UserRow) => Promise<UserRow>,
): Promise<UserWithRoles> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const user = await lockedUserFor(tx, author, userId);
    return withRoles(tx, author.orgId, await change(tx, user));
  });
}

export function renameUser(ctx: AppContext, author: Author, input: { userId: string; name: string }) {
  return changeUser(ctx, author, input.userId, async (tx, user) => {
    if (user.name === input.name) return user;
    const row = await save(tx, user.id, { name: input.name });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'user.updated',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: { name: user.name },
      newValues: { name: input.name },
    });
    return row;
  });
}

/** Deactivated users cannot sign in, and every session they have ends now. */
export function deactivateUser(ctx: AppContext, author: Author, input: { userId: string; reason: string }) {
  return changeUser(ctx, author, input.userId, async (tx, user) => {
    if (user.id === author.id) {
      throw new AppError('INVALID_STATE', 'You cannot deactivate your own account.');
    }
    if (user.status === 'deactivated') {
      throw new AppError('INVALID_STATE', `${user.email} is already deactivated.`);
    }
    const row = await save(tx, user.id, {
      status: 'deactivated',
      deactivatedAt: sql`now()`,
      deactivatedReason: input.reason,
    });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'user.deactivated',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: { status: user.status },
      newValues: { status: 'deactivated' },
      reason: input.reason,
    });
    await endUserSessions(tx, author.orgId, user.id, 'deactivated', author);
    return row;
  });
}

export function reactivateUser(ctx: AppContext, author: Author, input: { userId: string; reason: string }) {
  return changeUser(ctx, author, input.userId, async (tx, user) => {
    if (user.status === 'active') throw new AppError('INVALID_STATE', `${user.email} is already active.`);
    await assertUserQuota(tx, author.orgId);
    const row = await save(tx, user.id, {
      status: 'active',
      deactivatedAt: null,
      deactivatedReason: null,
      failedLoginCount: 0,
      lockedUntil: null,
    });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'user.reactivated',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: { status: user.status },
      newValues: { status: 'active' },
      reason: input.reason,
    });
    return row;
  });
}

/** An administrator sets a new temporary password: the user must replace it at next sign-in. */
export async function resetPassword(
  ctx: AppContext,
  author: Author,
  input: { userId: string; temporaryPassword: string },
) {
  const target = await ctx.database.tenant(author.orgId, (tx) => lockedUserFor(tx, author, input.userId));
  assertPasswordPolicy(input.temporaryPassword, target.email, 'body.temporaryPassword');
  // Hashed outside the transaction: argon2 is deliberately slow.
  const passwordHash = await hashPassword(input.temporaryPassword);
  return changeUser(ctx, author, input.userId, async (tx, user) => {
    const row = await save(tx, user.id, {
      passwordHash,
      mustChangePassword: true,
      failedLoginCount: 0,
      lockedUntil: null,
    });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'user.password_reset',
      resourceType: 'user',
      resourceId: user.id,
      newValues: { temporaryPassword: true },
    });
    await endUserSessions(tx, author.orgId, user.id, 'password_changed', author);
    return row;
  });
}

export function unlockUser(ctx: AppContext, author: Author, input: { userId: string }) {
  return changeUser(ctx, author, input.userId, async (tx, user) => {
    const row = await save(tx, user.id, { failedLoginCount: 0, lockedUntil: null });
    await clearAllLocks(tx, user.id);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'user.unlocked',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: { lockedUntil: user.lockedUntil },
      newValues: { lockedUntil: null },
    });
    return row;
  });
}
