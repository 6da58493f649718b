import {
  CreateTemplateBody,
  type DashboardTemplate,
  DashboardTemplateList,
  DashboardTemplateResponse,
  TemplateParams,
} from '@cdp/contracts';
import { dashboardTemplates } from '@cdp/db';
import { and, asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/audit-log.ts';
import { actorRef } from '../../auth/actor.ts';
import { readStoredDocument } from '../../dashboards/documents.ts';
import { BUILTIN_TEMPLATES, presentBuiltin } from '../../dashboards/templates/instantiate.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { pagesOf } from '../../repositories/dashboards.repo.ts';
import { dashboardFor } from './dashboard-access.ts';

type TemplateRow = typeof dashboardTemplates.$inferSelect;

function presentTemplate(row: TemplateRow): DashboardTemplate {
  const document = readStoredDocument(row.document);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scope: 'organization',
    pages: pagesOf(document),
    document,
    createdAt: row.createdAt.toISOString(),
  };
}

export const templateRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const builtins = BUILTIN_TEMPLATES.map(presentBuiltin);

  app.get(
    '/api/dashboard-templates',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "Built-in templates and the organization's own",
        response: { 200: DashboardTemplateList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const rows = await ctx.database.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(dashboardTemplates)
          .where(eq(dashboardTemplates.orgId, actor.orgId))
          .orderBy(asc(dashboardTemplates.name)),
      );
      return { data: [...builtins, ...rows.map(presentTemplate)] };
    },
  );

  app.post(
    '/api/dashboard-templates',
    {
      preHandler: requirePermission('dashboard:create:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "Save a study dashboard's document as an organization template",
        body: CreateTemplateBody,
        response: { 201: DashboardTemplateResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { studyId, dashboardId, name, description } = request.body;
      const found = await dashboardFor(ctx, actor, { id: studyId, did: dashboardId }, 'dashboard:create:assigned');
      const row = await ctx.database.tenant(actor.orgId, async (tx) => {
        const [created] = await tx
          .insert(dashboardTemplates)
          .values({ orgId: actor.orgId, name, description, document: found.document, createdBy: actor.userId })
          .returning();
        if (!created) throw new Error('template insert returned nothing');
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'dashboard_template.created',
          resourceType: 'dashboard_template',
          resourceId: created.id,
          newValues: { name, fromDashboard: dashboardId, studyId },
          origin: request.origin,
        });
        return created;
      });
      return reply.status(201).send({ template: presentTemplate(row) });
    },
  );

  app.delete(
    '/api/dashboard-templates/:tid',
    {
      preHandler: requirePermission('dashboard:delete:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Delete an organization template',
        params: TemplateParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await ctx.database.tenant(actor.orgId, async (tx) => {
        const [deleted] = await tx
          .delete(dashboardTemplates)
          .where(and(eq(dashboardTemplates.orgId, actor.orgId), eq(dashboardTemplates.id, request.params.tid)))
          .returning();
        if (!deleted) throw notFound('Template');
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'dashboard_template.deleted',
          resourceType: 'dashboard_template',
          resourceId: deleted.id,
          oldValues: { name: deleted.name },
          origin: request.origin,
        });
      });
      return reply.status(204).send(null);
    },
  );
};
