import { organizations, roleAssignments, roles, users } from '@cdp/db';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';

/**
 * The user an export is made for, as an actor, rebuilt when a job runs it: their role
 * assignments as they are now (a permission taken away since the request counts), so the export
 * goes through the same permission checks and tenant filters as a request would. A deactivated
 * user or organization exports nothing.
 */
export async function requesterActor(ctx: AppContext, orgId: string, userId: string): Promise<Actor> {
  return ctx.database.tenant(orgId, async (tx) => {
    const [found] = await tx
      .select({ user: users, org: organizations })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.orgId))
      .where(and(eq(users.orgId, orgId), eq(users.id, userId)))
      .limit(1);
    if (!found) throw new AppError('NOT_FOUND', 'The user this export was requested by no longer exists.');
    if (found.user.status !== 'active' || found.org.status !== 'active') {
      throw new AppError('ACCOUNT_DISABLED', `${found.user.email} has been deactivated: the export is not made.`);
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
          eq(roleAssignments.orgId, orgId),
          eq(roleAssignments.userId, userId),
          or(isNull(roleAssignments.expiresAt), gt(roleAssignments.expiresAt, new Date())),
        ),
      );
    return {
      type: 'user',
      userId: found.user.id,
      email: found.user.email,
      name: found.user.name,
      orgId,
      orgCode: found.org.code,
      orgName: found.org.name,
      orgKind: found.org.kind,
      sessionId: '',
      apiKey: null,
      mustChangePassword: false,
      grants: grants.map((g) => ({ ...g, expiresAt: g.expiresAt?.toISOString() ?? null })),
      features: found.org.features ?? {},
    };
  });
}
