import { CreateTemplateBody, DashboardTemplateList, DashboardTemplateResponse, TemplateParams } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createTemplate, deleteTemplate } from '../../commands/dashboard-templates.ts';
import { BUILTIN_TEMPLATES, presentBuiltin } from '../../dashboards/templates/instantiate.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { dashboardFor } from '../../policies/dashboard.ts';
import { presentTemplate, templateResource } from '../../presenters/dashboard.ts';
import { listTemplates } from '../../repositories/templates.repo.ts';

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
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listTemplates(tx, actor.orgId));
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
      const row = await createTemplate(ctx, authorOf(request), {
        name,
        description,
        document: found.document,
        studyId,
        dashboardId,
      });
      return reply.status(201).send(templateResource(actor, presentTemplate(row)));
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
      await deleteTemplate(ctx, authorOf(request), { templateId: request.params.tid });
      return reply.status(204).send(null);
    },
  );
};
