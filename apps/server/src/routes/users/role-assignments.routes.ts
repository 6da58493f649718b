import { CreateRoleAssignmentRequest, RoleAssignment } from '@cdp/contracts';
import { roleAssignments, roles, studies } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/audit-log.ts';
import { actorRef } from '../../auth/actor.ts';
import { assignRole } from '../../commands/assign-role.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { assignmentsByUser, findUser } from '../../repositories/users.repo.ts';
import { AssignmentParams, OptionalReasonQuery, UserParams } from './schema.ts';

const AssignmentList = z.object({ data: z.array(RoleAssignment) });

export const roleAssignmentRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/users/:id/roles',
    {
      preHandler: requirePermission('user:view:own'),
      schema: {
        tags: ['users'],
        summary: 'Role assignments of a user (expired ones included, marked expired)',
        params: UserParams,
        response: { 200: AssignmentList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, async (tx) => {
        const user = await findUser(tx, actor, request.params.id);
        if (!user) throw notFound('User');
        const byUser = await assignmentsByUser(tx, actor.orgId, [user.id]);
        return { data: byUser.get(user.id) ?? [] };
      });
    },
  );

  app.post(
    '/api/users/:id/roles',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Assign a role, organization-wide (studyId null) or for one study, optionally until a date',
        params: UserParams,
        body: CreateRoleAssignmentRequest,
        response: { 201: AssignmentList },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = await ctx.database.tenant(actor.orgId, async (tx) => {
        const user = await findUser(tx, actor, request.params.id);
        if (!user) throw notFound('User');
        await assignRole(tx, actor, user, request.body, request.origin);
        const byUser = await assignmentsByUser(tx, actor.orgId, [user.id]);
        return { data: byUser.get(user.id) ?? [] };
      });
      return reply.status(201).send(body);
    },
  );

  app.delete(
    '/api/users/:id/roles/:assignmentId',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Revoke a role assignment (takes effect on the user’s next request)',
        params: AssignmentParams,
        querystring: OptionalReasonQuery,
        response: { 200: AssignmentList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, async (tx) => {
        const user = await findUser(tx, actor, request.params.id);
        if (!user) throw notFound('User');
        if (user.id === actor.userId) {
          // Revoking your own roles could leave the organization without an administrator.
          throw new AppError('INVALID_STATE', 'You cannot revoke your own roles; ask another administrator.');
        }
        const [removed] = await tx
          .delete(roleAssignments)
          .where(
            and(
              eq(roleAssignments.id, request.params.assignmentId),
              eq(roleAssignments.userId, user.id),
              eq(roleAssignments.orgId, actor.orgId),
            ),
          )
          .returning();
        if (!removed) throw notFound('Role assignment');
        const [role] = await tx.select({ key: roles.key }).from(roles).where(eq(roles.id, removed.roleId));
        const [study] = removed.studyId
          ? await tx.select({ code: studies.code }).from(studies).where(eq(studies.id, removed.studyId))
          : [];
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
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
          reason: request.query.reason || null,
          origin: request.origin,
        });
        const byUser = await assignmentsByUser(tx, actor.orgId, [user.id]);
        return { data: byUser.get(user.id) ?? [] };
      });
    },
  );
};
