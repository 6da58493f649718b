import {
  CreateRoleRequest,
  IdParams,
  Ok,
  PERMISSION_LABELS,
  PERMISSIONS,
  PermissionCatalogue,
  RoleList,
  RoleResource,
  TENANT_PERMISSIONS,
  UpdateRoleRequest,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createRole, deleteRole, updateRole } from '../../commands/roles.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { roleFor } from '../../policies/role.ts';
import { presentRole, roleResource } from '../../presenters/role.ts';
import { listRoles } from '../../repositories/roles.repo.ts';

export const roleRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/permissions',
    {
      schema: {
        tags: ['roles'],
        summary: 'Every permission code, and whether a custom role may include it',
        response: { 200: PermissionCatalogue },
      },
    },
    async () => ({
      data: PERMISSIONS.map((code) => ({
        code,
        label: PERMISSION_LABELS[code],
        assignable: TENANT_PERMISSIONS.includes(code),
      })),
    }),
  );

  app.get(
    '/api/roles',
    {
      preHandler: requirePermission('user:view:own'),
      schema: {
        tags: ['roles'],
        summary: 'System roles and your organization’s custom roles, with their permissions',
        response: { 200: RoleList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listRoles(tx, actor));
      return { data: rows.map(presentRole) };
    },
  );

  app.get(
    '/api/roles/:id',
    {
      preHandler: requirePermission('user:view:own'),
      schema: { tags: ['roles'], summary: 'One role', params: IdParams, response: { 200: RoleResource } },
    },
    async (request) => {
      const actor = actorOf(request);
      return roleResource(actor, await roleFor(ctx, actor, request.params.id));
    },
  );

  app.post(
    '/api/roles',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role from the tenant permissions',
        body: CreateRoleRequest,
        response: { 201: RoleResource },
      },
    },
    async (request, reply) => {
      const role = await createRole(ctx, authorOf(request), request.body);
      return reply.status(201).send(roleResource(actorOf(request), role));
    },
  );

  app.patch(
    '/api/roles/:id',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Change a custom role (takes effect on each holder’s next request)',
        params: IdParams,
        body: UpdateRoleRequest,
        response: { 200: RoleResource },
      },
    },
    async (request) => {
      const role = await updateRole(ctx, authorOf(request), { roleId: request.params.id, ...request.body });
      return roleResource(actorOf(request), role);
    },
  );

  app.delete(
    '/api/roles/:id',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Delete a custom role that nobody holds',
        params: IdParams,
        response: { 200: Ok },
      },
    },
    async (request) => {
      await deleteRole(ctx, authorOf(request), { roleId: request.params.id });
      return { ok: true as const };
    },
  );
};
