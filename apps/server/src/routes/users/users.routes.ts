import {
  CreateUserRequest,
  DeactivateUserRequest,
  ReasonBody,
  ResetPasswordRequest,
  UpdateUserRequest,
  UserList,
  UserListQuery,
  UserParams,
  UserResource,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createUser } from '../../commands/create-user.ts';
import {
  deactivateUser,
  reactivateUser,
  renameUser,
  resetPassword,
  unlockUser,
} from '../../commands/user-lifecycle.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { userFor } from '../../policies/user.ts';
import { presentUser, userResource } from '../../presenters/user.ts';
import { assignmentsByUser, listUsers } from '../../repositories/users.repo.ts';

export const userRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/users',
    {
      preHandler: requirePermission('user:view:own'),
      schema: {
        tags: ['users'],
        summary: 'Users of your organization, with their roles',
        querystring: UserListQuery,
        response: { 200: UserList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, async (tx) => {
        const rows = await listUsers(tx, actor, request.query);
        const roles = await assignmentsByUser(
          tx,
          actor.orgId,
          rows.map((r) => r.id),
        );
        return { data: rows.map((row) => presentUser(row, roles.get(row.id) ?? [])) };
      });
    },
  );

  app.post(
    '/api/users',
    {
      preHandler: requirePermission('user:create:own'),
      schema: {
        tags: ['users'],
        summary: 'Create a user with a temporary password (replaced at first sign-in)',
        body: CreateUserRequest,
        response: { 201: UserResource },
      },
    },
    async (request, reply) => {
      const user = await createUser(ctx, authorOf(request), request.body);
      return reply.status(201).send(userResource(actorOf(request), user));
    },
  );

  app.get(
    '/api/users/:id',
    {
      preHandler: requirePermission('user:view:own'),
      schema: { tags: ['users'], summary: 'One user', params: UserParams, response: { 200: UserResource } },
    },
    async (request) => {
      const actor = actorOf(request);
      return userResource(actor, await userFor(ctx, actor, request.params.id));
    },
  );

  app.patch(
    '/api/users/:id',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Rename a user',
        params: UserParams,
        body: UpdateUserRequest,
        response: { 200: UserResource },
      },
    },
    async (request) => {
      const user = await renameUser(ctx, authorOf(request), { userId: request.params.id, name: request.body.name });
      return userResource(actorOf(request), user);
    },
  );

  app.post(
    '/api/users/:id/deactivate',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Deactivate a user: they can no longer sign in and their sessions end',
        params: UserParams,
        body: DeactivateUserRequest,
        response: { 200: UserResource },
      },
    },
    async (request) => {
      const user = await deactivateUser(ctx, authorOf(request), { userId: request.params.id, ...request.body });
      return userResource(actorOf(request), user);
    },
  );

  app.post(
    '/api/users/:id/reactivate',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Reactivate a deactivated user',
        params: UserParams,
        body: ReasonBody,
        response: { 200: UserResource },
      },
    },
    async (request) => {
      const user = await reactivateUser(ctx, authorOf(request), { userId: request.params.id, ...request.body });
      return userResource(actorOf(request), user);
    },
  );

  app.post(
    '/api/users/:id/reset-password',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Set a new temporary password; the user must replace it at next sign-in',
        params: UserParams,
        body: ResetPasswordRequest,
        response: { 200: UserResource },
      },
    },
    async (request) => {
      const user = await resetPassword(ctx, authorOf(request), { userId: request.params.id, ...request.body });
      return userResource(actorOf(request), user);
    },
  );

  app.post(
    '/api/users/:id/unlock',
    {
      preHandler: requirePermission('user:manage:own'),
      schema: {
        tags: ['users'],
        summary: 'Lift a lockout after failed sign-in attempts',
        params: UserParams,
        response: { 200: UserResource },
      },
    },
    async (request) => {
      const user = await unlockUser(ctx, authorOf(request), { userId: request.params.id });
      return userResource(actorOf(request), user);
    },
  );
};
