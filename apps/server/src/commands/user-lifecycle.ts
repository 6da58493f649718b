import { type Tx, users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { type Actor, actorRef } from '../auth/actor.ts';
import { clearAllLocks } from '../auth/login-throttle.ts';
import { endUserSessions } from '../auth/sessions.ts';
import { AppError } from '../lib/app-error.ts';
import type { UserRow } from '../repositories/users.repo.ts';
import { assertUserQuota } from './create-user.ts';

async function save(tx: Tx, id: string, changes: PgUpdateSetSource<typeof users>): Promise<UserRow> {
  const [row] = await tx
    .update(users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new Error('user update returned nothing');
  return row;
}

export async function renameUser(tx: Tx, actor: Actor, user: UserRow, name: string, origin: RequestOrigin) {
  if (user.name === name) return user;
  const row = await save(tx, user.id, { name });
  await appendAudit(tx, {
    orgId: actor.orgId,
    actor: actorRef(actor),
    action: 'user.updated',
    resourceType: 'user',
    resourceId: user.id,
    oldValues: { name: user.name },
    newValues: { name },
    origin,
  });
  return row;
}

/** Deactivated users cannot sign in, and every session they have ends now. */
export async function deactivateUser(tx: Tx, actor: Actor, user: UserRow, reason: string, origin: RequestOrigin) {
  if (user.id === actor.userId) {
    throw new AppError('INVALID_STATE', 'You cannot deactivate your own account.');
  }
  if (user.status === 'deactivated') {
    throw new AppError('INVALID_STATE', `${user.email} is already deactivated.`);
  }
  const row = await save(tx, user.id, {
    status: 'deactivated',
    deactivatedAt: sql`now()`,
    deactivatedReason: reason,
  });
  await appendAudit(tx, {
    orgId: actor.orgId,
    actor: actorRef(actor),
    action: 'user.deactivated',
    resourceType: 'user',
    resourceId: user.id,
    oldValues: { status: user.status },
    newValues: { status: 'deactivated' },
    reason,
    origin,
  });
  await endUserSessions(tx, actor.orgId, user.id, 'deactivated', origin, actorRef(actor));
  return row;
}

export async function reactivateUser(tx: Tx, actor: Actor, user: UserRow, reason: string, origin: RequestOrigin) {
  if (user.status === 'active') throw new AppError('INVALID_STATE', `${user.email} is already active.`);
  await assertUserQuota(tx, actor.orgId);
  const row = await save(tx, user.id, {
    status: 'active',
    deactivatedAt: null,
    deactivatedReason: null,
    failedLoginCount: 0,
    lockedUntil: null,
  });
  await appendAudit(tx, {
    orgId: actor.orgId,
    actor: actorRef(actor),
    action: 'user.reactivated',
    resourceType: 'user',
    resourceId: user.id,
    oldValues: { status: user.status },
    newValues: { status: 'active' },
    reason,
    origin,
  });
  return row;
}

/** An administrator sets a new temporary password: the user must replace it at next sign-in. */
export async function resetPassword(tx: Tx, actor: Actor, user: UserRow, passwordHash: string, origin: RequestOrigin) {
  const row = await save(tx, user.id, {
    passwordHash,
    mustChangePassword: true,
    failedLoginCount: 0,
    lockedUntil: null,
  });
  await appendAudit(tx, {
    orgId: actor.orgId,
    actor: actorRef(actor),
    action: 'user.password_reset',
    resourceType: 'user',
    resourceId: user.id,
    newValues: { temporaryPassword: true },
    origin,
  });
  await endUserSessions(tx, actor.orgId, user.id, 'password_changed', origin, actorRef(actor));
  return row;
}

export async function unlockUser(tx: Tx, actor: Actor, user: UserRow, origin: RequestOrigin) {
  const row = await save(tx, user.id, { failedLoginCount: 0, lockedUntil: null });
  await clearAllLocks(tx, user.id);
  await appendAudit(tx, {
    orgId: actor.orgId,
    actor: actorRef(actor),
    action: 'user.unlocked',
    resourceType: 'user',
    resourceId: user.id,
    oldValues: { lockedUntil: user.lockedUntil },
    newValues: { lockedUntil: null },
    origin,
  });
  return row;
}
