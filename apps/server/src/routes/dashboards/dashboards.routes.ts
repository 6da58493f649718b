import {
  CreateDashboardBody,
  CreateDashboardResponse,
  Dashboard,
  DashboardList,
  DashboardParams,
  DeleteDashboardBody,
  IdParams,
  UpdateDashboardBody,
} from '@cdp/contracts';
import { dashboardTemplates } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDashboard, deleteDashboard, savedBy, updateDashboard } from '../../commands/save-dashboard.ts';
import { activeDataVersionStamp } from '../../dashboards/data-version-stamp.ts';
import { parseDocument, readStoredDocument } from '../../dashboards/documents.ts';
import { builtinTemplate, instantiateTemplate } from '../../dashboards/templates/instantiate.ts';
import { schemaOf } from '../../dashboards/version-data.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { findDashboard, listDashboards, pagesOf } from '../../repositories/dashboards.repo.ts';
import { studyFor } from '../data/study-access.ts';
import { activeVersionData, dashboardFor, presentDashboard } from './dashboard-access.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const dashboardRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/dashboards',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "A study's dashboards",
        params: IdParams,
        response: { 200: DashboardList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:view:assigned');
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listDashboards(tx, actor.orgId, study.id));
      return {
        data: rows.map(({ row, updatedBy }) => ({
          id: row.id,
          studyId: row.studyId,
          name: row.name,
          description: row.description,
          templateId: row.templateId,
          version: row.version,
          pages: pagesOf(readStoredDocument(row.document)),
          createdAt: row.createdAt.toISOString(),
          updatedAt: row.updatedAt.toISOString(),
          updatedBy,
        })),
      };
    },
  );

  app.post(
    '/api/studies/:id/dashboards',
    {
      preHandler: requirePermission('dashboard:create:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Create a dashboard, blank, from a template or from a document',
        description:
          'From a template, every widget is mapped with the mapping suggestions for the active data version; `unmapped` lists what still needs mapping.',
        params: IdParams,
        body: CreateDashboardBody,
        response: { 201: CreateDashboardResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:create:assigned');
      const version = await activeVersionData(ctx, actor, study);
      const body = request.body;
      let document = body.document ? parseDocument(body.document) : blankDocument();
      if (body.templateId) {
        const builtin = builtinTemplate(body.templateId);
        if (builtin) document = instantiateTemplate(builtin, version ? schemaOf(version) : []).document;
        else {
          const stored = UUID.test(body.templateId)
            ? await ctx.database.tenant(actor.orgId, (tx) =>
                tx
                  .select()
                  .from(dashboardTemplates)
                  .where(
                    and(
                      eq(dashboardTemplates.orgId, actor.orgId),
                      eq(dashboardTemplates.id, body.templateId as string),
                    ),
                  ),
              )
            : [];
          if (!stored[0]) throw notFound(`Template ${body.templateId}`);
          document = readStoredDocument(stored[0].document);
        }
      }
      const row = await createDashboard(
        ctx,
        savedBy(actor),
        study.id,
        { name: body.name, description: body.description ?? null, templateId: body.templateId ?? null, document },
        request.origin,
      );
      const created = await ctx.database.tenant(actor.orgId, (tx) => findDashboard(tx, actor.orgId, study.id, row.id));
      if (!created) throw new Error('created dashboard not found');
      return reply.status(201).send({
        dashboard: presentDashboard(
          { dashboard: created, document },
          version,
          await activeDataVersionStamp(ctx, actor.orgId, study),
        ),
      });
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'A dashboard with its document',
        params: DashboardParams,
        response: { 200: Dashboard },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:view:assigned');
      const stamp = await activeDataVersionStamp(ctx, actor.orgId, found.study);
      return presentDashboard(found, await activeVersionData(ctx, actor, found.study), stamp);
    },
  );

  app.put(
    '/api/studies/:id/dashboards/:did',
    {
      preHandler: requirePermission('dashboard:edit:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Save a new version of a dashboard',
        description:
          '`version` is the version the edit was made on. When the stored dashboard is newer, the answer is 409 CONFLICT with `details.currentVersion`, and nothing is saved.',
        params: DashboardParams,
        body: UpdateDashboardBody,
        response: { 200: Dashboard },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:edit:assigned');
      const document = parseDocument(request.body.document);
      await updateDashboard(
        ctx,
        actor,
        found.study.id,
        found.dashboard.row.id,
        {
          version: request.body.version,
          ...(request.body.name !== undefined ? { name: request.body.name } : {}),
          ...(request.body.description !== undefined ? { description: request.body.description } : {}),
          document,
          ...(request.body.comment ? { comment: request.body.comment } : {}),
        },
        request.origin,
      );
      const saved = await dashboardFor(ctx, actor, request.params, 'dashboard:edit:assigned');
      const stamp = await activeDataVersionStamp(ctx, actor.orgId, saved.study);
      return presentDashboard(saved, await activeVersionData(ctx, actor, saved.study), stamp);
    },
  );

  app.delete(
    '/api/studies/:id/dashboards/:did',
    {
      preHandler: requirePermission('dashboard:delete:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Delete a dashboard (its history is kept)',
        params: DashboardParams,
        body: DeleteDashboardBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:delete:assigned');
      await deleteDashboard(ctx, actor, found.study.id, found.dashboard.row.id, request.body?.reason, request.origin);
      return reply.status(204).send(null);
    },
  );
};

function blankDocument() {
  return parseDocument({
    schemaVersion: 2,
    filters: [],
    pages: [{ id: 'page-1', title: 'Page 1', layout: [], widgets: {} }],
  });
}
