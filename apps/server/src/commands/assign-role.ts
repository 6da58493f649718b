import type { CreateRoleAssignmentRequest, RoleAssignment } from '@cdp/contracts';
import { roleAssignments, roles, studies, type Tx } from '@cdp/db';
import { and, eq, isNull, or } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError, isUniqueViolation, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedUserFor } from '../policies/user.ts';
import { assignmentsByUser } from '../repositories/users.repo.ts';

type AssignmentInput = Required<Pick<CreateRoleAssignmentRequest, 'roleId'>> & {
  studyId: string | null;
  expiresAt: string | null;
};

/**
 * Gives a user a role, organization-wide or for one study, optionally until a date, inside the
 * caller's transaction (creating a user assigns its first roles this way). Guards against
 * escalation: platform_admin is only assignable inside the platform organization, and roles and
 * studies must belong to the author's organization.
 */
export async function insertAssignment(
  tx: Tx,
  author: Author,
  user: { id: string; email: string },
  input: AssignmentInput,
  field = 'body',
): Promise<string> {
  const [role] = await tx
    .select({ id: roles.id, key: roles.key, name: roles.name, isSystem: roles.isSystem })
    .from(roles)
    .where(and(eq(roles.id, input.roleId), or(isNull(roles.orgId), eq(roles.orgId, author.orgId))));
  if (!role || (role.key === 'platform_admin' && author.orgKind !== 'platform')) {
    throw new AppError('VALIDATION_FAILED', 'Unknown role.', {
      issues: [{ path: `${field}.roleId`, message: 'No such role in this organization.' }],
    });
  }
  let studyCode: string | null = null;
  if (input.studyId) {
    const [study] = await tx
      .select({ code: studies.code })
      .from(studies)
      .where(and(eq(studies.id, input.studyId), eq(studies.orgId, author.orgId)));
    if (!study) {
      throw new AppError('VALIDATION_FAILED', 'Unknown study.', {
        issues: [{ path: `${field}.studyId`, message: 'No such study in this organization.' }],
      });
    }
    studyCode = study.code;
  }
  if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) {
    throw new AppError('VALIDATION_FAILED', 'The expiry date must be in the future.', {
      issues: [{ path: `${field}.expiresAt`, message: 'Choose a date in the future.' }],
    });
  }

  try {
    const [row] = await tx
      .insert(roleAssignments)
      .values({
        orgId: author.orgId,
        userId: user.id,
        roleId: role.id,
        studyId: input.studyId,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        createdBy: userIdOf(author),
      })
      .returning({ id: roleAssignments.id });
    if (!row) throw new Error('role assignment insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'role.assigned',
      resourceType: 'user',
      resourceId: user.id,
      newValues: {
        assignmentId: row.id,
        user: user.email,
        role: role.key,
        studyId: input.studyId,
        study: studyCode,
        expiresAt: input.expiresAt,
      },
    });
    return row.id;
  } catch (error) {
    if (isUniqueViolation(error, 'role_assignments_unique')) {
      throw new AppError(
        'CONFLICT',
        `${user.email} already holds ${role.name}${studyCode ? ` for ${studyCode}` : ' organization-wide'}.`,
      );
    }
    throw error;
  }
}

/** Assigns a role to a user of the author's organization; answers the user's assignments after it. */
export async function assignRole(
  ctx: AppContext,
  author: Author,
  input: AssignmentInput & { userId: string },
): Promise<RoleAssignment[]> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const user = await lockedUserFor(tx, author, input.userId);
    await insertAssignment(tx, author, user, input);
    return (await assignmentsByUser(tx, author.orgId, [user.id])).get(user.id) ?? [];
  });
}

/** Revokes one assignment (takes effect on the user's next request). Nobody revokes their own. */
export async function revokeRole(
  ctx: AppContext,
  author: Author,
  input: { userId: string; assignmentId: string; reason: string | null },
): Promise<RoleAssignment[]> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const user = await lockedUserFor(tx, author, input.userId);
    if (user.id === author.id) {
      // Revoking your own roles could leave the organization without an administrator.
      throw new AppError('INVALID_STATE', 'You cannot revoke your own roles; ask another administrator.');
    }
    const [removed] = await tx
      .delete(roleAssignments)
      .where(
        and(
          eq(roleAssignments.id, input.assignmentId),
          eq(roleAssignments.userId, user.id),
          eq(roleAssignments.orgId, author.orgId),
        ),
      )
      .returning();
    if (!removed) throw notFound('Role assignment');
    const [role] = await tx.select({ key: roles.key }).from(roles).where(eq(roles.id, removed.roleId));
    const [study] = removed.studyId
      ? await tx.select({ code: studies.code }).from(studies).where(eq(studies.id, removed.studyId))
      : [];
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'role.revoked',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: {
        assignmentId: removed.id,
        user: user.email,
        role: role?.key ?? removed.roleId,
        studyId: removed.studyId,
        study: study?.code ?? null,
        expiresAt: removed.expiresAt,
      },
      reason: input.reason,
    });
    return (await assignmentsByUser(tx, author.orgId, [user.id])).get(user.id) ?? [];
  });
}
