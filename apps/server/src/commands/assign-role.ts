import type { CreateRoleAssignmentRequest } from '@cdp/contracts';
import { roleAssignments, roles, studies, type Tx } from '@cdp/db';
import { and, eq, isNull, or } from 'drizzle-orm';
import { appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { type Actor, actorRef } from '../auth/actor.ts';
import { AppError, isUniqueViolation } from '../lib/app-error.ts';

type AssignmentInput = Required<Pick<CreateRoleAssignmentRequest, 'roleId'>> & {
  studyId: string | null;
  expiresAt: string | null;
};

/**
 * Gives a user a role, organization-wide or for one study, optionally until a date.
 * Guards against escalation: platform_admin is only assignable inside the platform organization,
 * and roles and studies must belong to the actor's organization.
 */
export async function assignRole(
  tx: Tx,
  actor: Actor,
  user: { id: string; email: string },
  input: AssignmentInput,
  origin: RequestOrigin,
  field = 'body',
): Promise<string> {
  const [role] = await tx
    .select({ id: roles.id, key: roles.key, name: roles.name, isSystem: roles.isSystem })
    .from(roles)
    .where(and(eq(roles.id, input.roleId), or(isNull(roles.orgId), eq(roles.orgId, actor.orgId))));
  if (!role || (role.key === 'platform_admin' && actor.orgKind !== 'platform')) {
    throw new AppError('VALIDATION_FAILED', 'Unknown role.', {
      issues: [{ path: `${field}.roleId`, message: 'No such role in this organization.' }],
    });
  }
  let studyCode: string | null = null;
  if (input.studyId) {
    const [study] = await tx
      .select({ code: studies.code })
      .from(studies)
      .where(and(eq(studies.id, input.studyId), eq(studies.orgId, actor.orgId)));
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
        orgId: actor.orgId,
        userId: user.id,
        roleId: role.id,
        studyId: input.studyId,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        createdBy: actor.userId,
      })
      .returning({ id: roleAssignments.id });
    if (!row) throw new Error('role assignment insert returned nothing');
    await appendAudit(tx, {
      orgId: actor.orgId,
      actor: actorRef(actor),
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
      origin,
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
