import { Organization, UpdateOwnOrganizationRequest, withPermissions } from '@cdp/contracts';
import { organizations } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../auth/actor.ts';
import { actorRef, can } from '../../auth/actor.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { findOrganization, presentOrganization } from '../../repositories/organizations.repo.ts';

const Response = withPermissions(Organization);
const permissionsOf = (actor: Actor) => (can(actor, 'organization:manage:own') ? ['organization:manage:own'] : []);

/** Your own organization: its settings, features and quotas (set by the platform). */
export const organizationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/organization',
    {
      preHandler: requirePermission('organization:view:own'),
      schema: { tags: ['organization'], summary: 'Your organization', response: { 200: Response } },
    },
    async (request) => {
      const actor = actorOf(request);
      const org = await ctx.database.tenant(actor.orgId, (tx) => findOrganization(tx, actor.orgId));
      if (!org) throw notFound('Organization');
      return { data: presentOrganization(org), permissions: permissionsOf(actor) };
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
        response: { 200: Response },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const org = await ctx.database.tenant(actor.orgId, async (tx) => {
        const before = await findOrganization(tx, actor.orgId, { forUpdate: true });
        if (!before) throw notFound('Organization');
        await tx
          .update(organizations)
          .set({ name: request.body.name, updatedAt: sql`now()` })
          .where(eq(organizations.id, actor.orgId));
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'organization.updated',
          resourceType: 'organization',
          resourceId: actor.orgId,
          oldValues: { name: before.name },
          newValues: { name: request.body.name },
          origin: request.origin,
        });
        return findOrganization(tx, actor.orgId);
      });
      if (!org) throw notFound('Organization');
      return { data: presentOrganization(org), permissions: permissionsOf(actor) };
    },
  );
};
