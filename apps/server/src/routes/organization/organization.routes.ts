import { OrganizationResource, UpdateOwnOrganizationRequest } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { renameOwnOrganization } from '../../commands/organizations.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { ownOrganization } from '../../policies/organization.ts';
import { ownOrganizationResource } from '../../presenters/organization.ts';

/** Your own organization: its settings, features and quotas (set by the platform). */
export const organizationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/organization',
    {
      preHandler: requirePermission('organization:view:own'),
      schema: { tags: ['organization'], summary: 'Your organization', response: { 200: OrganizationResource } },
    },
    async (request) => {
      const actor = actorOf(request);
      return ownOrganizationResource(actor, await ownOrganization(ctx, actor));
    },
  );

  app.patch(
    '/api/organization',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['organization'],
        summary: 'Rename your organization',
        body: UpdateOwnOrganizationRequest,
        response: { 200: OrganizationResource },
      },
    },
    async (request) => {
      const org = await renameOwnOrganization(ctx, authorOf(request), request.body);
      return ownOrganizationResource(actorOf(request), org);
    },
  );
};
