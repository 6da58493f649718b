import type { CreateUserRequest } from '@cdp/contracts';
import { organizations, type Tx, users } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts';
import { AppError, forbidden, isUniqueViolation } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { can } from '../policies/can.ts';
import { auditableUser } from '../presenters/user.ts';
import { type UserWithRoles, withRoles } from '../repositories/users.repo.ts';
import { insertAssignment } from './assign-role.ts';

/** Fails with QUOTA_EXCEEDED when the organization has no room for one more active user. */
export async function assertUserQuota(tx: Tx, orgId: string): Promise<void> {
  const [org] = await tx
    .select({ name: organizations.name, maxUsers: organizations.maxUsers })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .for('update');
  if (org?.maxUsers == null) return;
  const [{ count } = { count: 0 }] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.status, 'active')));
  if (count >= org.maxUsers) {
    throw new AppError(
      'QUOTA_EXCEEDED',
      `${org.name} has reached its limit of ${org.maxUsers} active users (max_users). Deactivate a user or ask your platform administrator to raise the limit.`,
      { quota: 'max_users', limit: org.maxUsers, used: count },
    );
  }
}

export function assertPasswordPolicy(password: string, email: string, path: string): void {
  const problems = checkPasswordPolicy(password, email);
  if (problems.length > 0) {
    throw new AppError('PASSWORD_POLICY', problems.join(' '), {
      issues: problems.map((message) => ({ path, message })),
    });
  }
}

/**
 * Creates a user with a temporary password they must replace at first login, and any role
 * assignments given, all in one transaction.
 */
export async function createUser(
  ctx: AppContext,
  author: Author,
  input: z.output<typeof CreateUserRequest>,
): Promise<UserWithRoles> {
  if (input.roles.length > 0 && !can(author, 'user:manage:own')) throw forbidden('user:manage:own');
  assertPasswordPolicy(input.temporaryPassword, input.email, 'body.temporaryPassword');
  const passwordHash = await hashPassword(input.temporaryPassword);

  try {
    return await ctx.database.tenant(author.orgId, async (tx) => {
      await assertUserQuota(tx, author.orgId);
      const [row] = await tx
        .insert(users)
        .values({
          orgId: author.orgId,
          email: input.email,
          name: input.name,
          passwordHash,
          mustChangePassword: true,
          createdBy: userIdOf(author),
        })
        .returning();
      if (!row) throw new Error('user insert returned nothing');
      await appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'user.created',
        resourceType: 'user',
        resourceId: row.id,
        newValues: { ...auditableUser(row), temporaryPassword: true },
      });
      for (const [index, role] of input.roles.entries()) {
        await insertAssignment(tx, author, row, role, `body.roles.${index}`);
      }
      return withRoles(tx, author.orgId, row);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_lower_key')) {
      throw new AppError('CONFLICT', `A user with e-mail ${input.email} already exists.`, {
        issues: [{ path: 'body.email', message: 'This e-mail is already in use.' }],
      });
    }
    throw error;
  }
}
