import {
  CreateOrganizationRequest,
  IdParams,
  OrganizationList,
  OrganizationResource,
  OrganizationStatusRequest,
  UpdateOrganizationRequest,
  UserList,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createOrganization } from '../../commands/create-organization.ts';
import { readTenantUsers, setOrganizationStatus, updateOrganization } from '../../commands/organizations.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { tenantFor } from '../../policies/organization.ts';
import { presentOrganization, tenantResource } from '../../presenters/organization.ts';
import { presentUser } from '../../presenters/user.ts';
import { listOrganizations } from '../../repositories/organizations.repo.ts';

export const platformOrganizationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/platform/organizations',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'Every organization, with usage against its quotas',
        response: { 200: OrganizationList },
      },
    },
    async () => {
      const rows = await ctx.database.system((tx) => listOrganizations(tx));
      return { data: rows.map(presentOrganization) };
    },
  );

  app.post(
    '/api/platform/organizations',
    {
      preHandler: requirePermission('tenant:create:all'),
      schema: {
        tags: ['platform'],
        summary: 'Create an organization (tenant), optionally with its first administrator',
        body: CreateOrganizationRequest,
        response: { 201: OrganizationResource },
      },
    },
    async (request, reply) => {
      const id = await createOrganization(ctx, authorOf(request), request.body);
      return reply.status(201).send(tenantResource(actorOf(request), await tenantFor(ctx, id)));
    },
  );

  app.get(
    '/api/platform/organizations/:id',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'One organization',
        params: IdParams,
        response: { 200: OrganizationResource },
      },
    },
    async (request) => tenantResource(actorOf(request), await tenantFor(ctx, request.params.id)),
  );

  app.get(
    '/api/platform/organizations/:id/users',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'Users of an organization (recorded in that organization’s audit trail)',
        params: IdParams,
        response: { 200: UserList },
      },
    },
    async (request) => {
      const users = await readTenantUsers(ctx, authorOf(request), { orgId: request.params.id });
      return { data: users.map((u) => presentUser(u.row, u.roles)) };
    },
  );

  app.patch(
    '/api/platform/organizations/:id',
    {
      preHandler: requirePermission('tenant:manage:all'),
      schema: {
        tags: ['platform'],
        summary: 'Rename an organization, switch its features, set its quotas',
        params: IdParams,
        body: UpdateOrganizationRequest,
        response: { 200: OrganizationResource },
      },
    },
    async (request) => {
      const org = await updateOrganization(ctx, authorOf(request), { orgId: request.params.id, ...request.body });
      return tenantResource(actorOf(request), org);
    },
  );

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(
      `/api/platform/organizations/:id/${action}`,
      {
        preHandler: requirePermission('tenant:manage:all'),
        schema: {
          tags: ['platform'],
          summary:
            action === 'deactivate'
              ? 'Deactivate an organization: its users cannot sign in and their sessions end'
              : 'Reactivate an organization',
          params: IdParams,
          body: OrganizationStatusRequest,
          response: { 200: OrganizationResource },
        },
      },
      async (request) => {
        const org = await setOrganizationStatus(ctx, authorOf(request), {
          orgId: request.params.id,
          status: action === 'deactivate' ? 'deactivated' : 'active',
          reason: request.body.reason,
        });
        return tenantResource(actorOf(request), org);
      },
    );
  }
};
