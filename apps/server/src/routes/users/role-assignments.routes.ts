import {
  AssignmentParams,
  CreateRoleAssignmentRequest,
  OptionalReasonQuery,
  RoleAssignmentList,
  UserParams,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assignRole, revokeRole } from '../../commands/assign-role.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { userFor } from '../../policies/user.ts';

export const roleAssignmentRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/users/:id/roles',
    {
      preHandler: requirePermission('user:view:own'),
      schema: {
        tags: ['users'],
        summary: 'Role assignments of a user (expired ones included, marked expired)',
        params: UserParams,
        response: { 200: RoleAssignmentList },
      },
    },
    async (request) => {
      const user = await userFor(ctx, actorOf(request), request.params.id);
      return { data: user.roles };
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
        response: { 201: RoleAssignmentList },
      },
    },
    async (request, reply) => {
      const data = await assignRole(ctx, authorOf(request), { userId: request.params.id, ...request.body });
      return reply.status(201).send({ data });
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
        response: { 200: RoleAssignmentList },
      },
    },
    async (request) => {
      const data = await revokeRole(ctx, authorOf(request), {
        userId: request.params.id,
        assignmentId: request.params.assignmentId,
        reason: request.query.reason || null,
      });
      return { data };
    },
  );
};
