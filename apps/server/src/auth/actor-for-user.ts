import type { GrantDto } from '@cdp/contracts';
import { organizations, roleAssignments, roles, users } from '@cdp/db';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { Actor } from './actor.ts';

/**
 * The actor a background job acts as for a user (a scheduled report runs as its owner): the
 * user's role grants in the organization as they are now, unexpired. A report therefore never
 * shows more than its owner may see today; a deactivated owner acts for nobody.
 */
export async function actorForUser(ctx: AppContext, orgId: string, userId: string): Promise<Actor> {
  return ctx.database.tenant(orgId, async (tx) => {
    const [row] = await tx
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        status: users.status,
        orgCode: organizations.code,
        orgName: organizations.name,
        orgKind: organizations.kind,
        orgStatus: organizations.status,
        features: organizations.features,
      })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.orgId))
      .where(and(eq(users.id, userId), eq(users.orgId, orgId)));
    if (!row) throw new AppError('NOT_FOUND', 'The user this work runs as no longer exists.');
    if (row.status !== 'active' || row.orgStatus !== 'active') {
      throw new AppError('ACCOUNT_DISABLED', `${row.email} has been deactivated, so nothing can run as them any more.`);
    }
    const grants = await tx
      .select({
        roleKey: roles.key,
        roleName: roles.name,
        studyId: roleAssignments.studyId,
        expiresAt: roleAssignments.expiresAt,
        permissions: roles.permissions,
      })
      .from(roleAssignments)
      .innerJoin(roles, eq(roles.id, roleAssignments.roleId))
      .where(
        and(
          eq(roleAssignments.userId, userId),
          eq(roleAssignments.orgId, orgId),
          or(isNull(roleAssignments.expiresAt), gt(roleAssignments.expiresAt, new Date())),
        ),
      );
    return {
      type: 'user',
      userId: row.id,
      email: row.email,
      name: row.name,
      orgId,
      orgCode: row.orgCode,
      orgName: row.orgName,
      orgKind: row.orgKind,
      sessionId: '',
      apiKey: null,
      mustChangePassword: false,
      grants: grants.map((g) => ({ ...g, expiresAt: g.expiresAt?.toISOString() ?? null })) as GrantDto[],
      features: row.features,
    };
  });
}
