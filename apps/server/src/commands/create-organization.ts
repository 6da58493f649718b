import type { CreateOrganizationRequest } from '@cdp/contracts';
import { organizations, roleAssignments, roles, users } from '@cdp/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { hashPassword } from '../auth/passwords.ts';
import { AppError, isUniqueViolation } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { assertPasswordPolicy } from './create-user.ts';

/**
 * A platform administrator creates a tenant, optionally with its first organization admin
 * (who must replace the temporary password). Recorded in the platform's trail and as the first
 * events of the new organization's own trail.
 */
export async function createOrganization(
  ctx: AppContext,
  author: Author,
  input: z.output<typeof CreateOrganizationRequest>,
): Promise<string> {
  if (input.admin)
    assertPasswordPolicy(input.admin.temporaryPassword, input.admin.email, 'body.admin.temporaryPassword');
  const passwordHash = input.admin ? await hashPassword(input.admin.temporaryPassword) : null;

  try {
    return await ctx.database.system(async (tx) => {
      const [org] = await tx
        .insert(organizations)
        .values({
          code: input.code,
          name: input.name,
          features: input.features ?? {},
          maxStudies: input.quotas?.maxStudies ?? null,
          maxUsers: input.quotas?.maxUsers ?? null,
        })
        .returning();
      if (!org) throw new Error('organization insert returned nothing');
      const created = {
        id: org.id,
        code: org.code,
        name: org.name,
        features: org.features,
        quotas: { maxStudies: org.maxStudies, maxUsers: org.maxUsers },
      };
      for (const orgId of [author.orgId, org.id]) {
        await appendAudit(tx, {
          orgId,
          author,
          action: 'organization.created',
          resourceType: 'organization',
          resourceId: org.id,
          newValues: created,
        });
      }
      if (input.admin && passwordHash) {
        const [admin] = await tx
          .insert(users)
          .values({
            orgId: org.id,
            email: input.admin.email,
            name: input.admin.name,
            passwordHash,
            mustChangePassword: true,
            createdBy: userIdOf(author),
          })
          .returning({ id: users.id, email: users.email });
        const [orgAdmin] = await tx
          .select({ id: roles.id })
          .from(roles)
          .where(and(eq(roles.key, 'org_admin'), isNull(roles.orgId)));
        if (!admin || !orgAdmin) throw new Error('first administrator could not be created');
        await tx.insert(roleAssignments).values({
          orgId: org.id,
          userId: admin.id,
          roleId: orgAdmin.id,
          createdBy: userIdOf(author),
        });
        await appendAudit(tx, {
          orgId: org.id,
          author,
          action: 'user.created',
          resourceType: 'user',
          resourceId: admin.id,
          newValues: { email: admin.email, name: input.admin.name, role: 'org_admin', temporaryPassword: true },
        });
      }
      return org.id;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'organizations_code_unique')) {
      throw new AppError('CONFLICT', `An organization with code ${input.code} already exists.`, {
        issues: [{ path: 'body.code', message: 'This code is already used.' }],
      });
    }
    if (isUniqueViolation(error, 'users_email_lower_key')) {
      throw new AppError('CONFLICT', `A user with e-mail ${input.admin?.email} already exists.`, {
        issues: [{ path: 'body.admin.email', message: 'This e-mail is already in use.' }],
      });
    }
    throw error;
  }
}
