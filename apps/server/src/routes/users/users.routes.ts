import {
  CreateUserRequest,
  DeactivateUserRequest,
  ResetPasswordRequest,
  UpdateUserRequest,
  UserListQuery,
} from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Actor, can } from '../../auth/actor.ts';
import { hashPassword } from '../../auth/passwords.ts';
import { assertPasswordPolicy, createUser } from '../../commands/create-user.ts';
import {
  deactivateUser,
  reactivateUser,
  renameUser,
  resetPassword,
  unlockUser,
} from '../../commands/user-lifecycle.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { assignmentsByUser, findUser, listUsers, presentUser, type UserRow } from '../../repositories/users.repo.ts';
import { ReasonBody, UserList, UserParams, UserWithPermissions } from './schema.ts';

function userPermissions(actor: Actor): string[] {
  return (['user:manage:own', 'user:create:own'] as const).filter((p) => can(actor, p));
}

export const userRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const present = async (tx: Tx, actor: Actor, row: UserRow) => {
    const roles = await assignmentsByUser(tx, actor.orgId, [row.id]);
    return { data: presentUser(row, roles.get(row.id) ?? []), permissions: userPermissions(actor) };
  };

  /** Loads a user of the actor's organization (404 otherwise) and applies a change to it. */
  const mutate = (actor: Actor, id: string, change: (tx: Tx, user: UserRow) => Promise<UserRow>) =>
    ctx.database.tenant(actor.orgId, async (tx) => {
      const user = await findUser(tx, actor, id, { forUpdate: true });
      if (!user) throw notFound('User');
      return present(tx, actor, await change(tx, user));
    });

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
        response: { 201: UserWithPermissions },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const row = await createUser(ctx, actor, request.body, request.origin);
      const body = await ctx.database.tenant(actor.orgId, (tx) => present(tx, actor, row));
      return reply.status(201).send(body);
    },
  );

  app.get(
    '/api/users/:id',
    {
      preHandler: requirePermission('user:view:own'),
      schema: { tags: ['users'], summary: 'One user', params: UserParams, response: { 200: UserWithPermissions } },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, async (tx) => {
        const user = await findUser(tx, actor, request.params.id);
        if (!user) throw notFound('User');
        return present(tx, actor, user);
      });
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
        response: { 200: UserWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return mutate(actor, request.params.id, (tx, user) =>
        renameUser(tx, actor, user, request.body.name, request.origin),
      );
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
        response: { 200: UserWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return mutate(actor, request.params.id, (tx, user) =>
        deactivateUser(tx, actor, user, request.body.reason, request.origin),
      );
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
        response: { 200: UserWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return mutate(actor, request.params.id, (tx, user) =>
        reactivateUser(tx, actor, user, request.body.reason, request.origin),
      );
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
        response: { 200: UserWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // Hash outside the transaction: argon2 is deliberately slow.
      const target = await ctx.database.tenant(actor.orgId, (tx) => findUser(tx, actor, request.params.id));
      if (!target) throw notFound('User');
      assertPasswordPolicy(request.body.temporaryPassword, target.email, 'body.temporaryPassword');
      const passwordHash = await hashPassword(request.body.temporaryPassword);
      return mutate(actor, target.id, (tx, user) => resetPassword(tx, actor, user, passwordHash, request.origin));
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
        response: { 200: UserWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return mutate(actor, request.params.id, (tx, user) => unlockUser(tx, actor, user, request.origin));
    },
  );
};
