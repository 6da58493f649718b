import {
  CreateDashboardBody,
  DashboardList,
  DashboardParams,
  DashboardResource,
  DeleteDashboardBody,
  IdParams,
  type Permission,
  UpdateDashboardBody,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDashboard, deleteDashboard, updateDashboard } from '../../commands/save-dashboard.ts';
import { activeDataVersionStamp } from '../../dashboards/data-version-stamp.ts';
import { blankDocument, parseDocument } from '../../dashboards/documents.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData, dashboardFor, templateDocumentFor } from '../../policies/dashboard.ts';
import { keptDocument } from '../../policies/dashboard-data.ts';
import { authorizeStudy, studyFor } from '../../policies/study.ts';
import { dashboardResource, presentDashboardSummary } from '../../presenters/dashboard.ts';
import { readStudyDashboards } from '../../repositories/dashboard-data.repo.ts';

export const dashboardRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  /** A dashboard as every answer shows it: with the active data version's mapping state. */
  const present = async (
    actor: ReturnType<typeof actorOf>,
    params: { id: string; did: string },
    permission: Permission = 'dashboard:view:assigned',
  ) => {
    const found = await dashboardFor(ctx, actor, params, permission);
    const [version, stamp] = await Promise.all([
      activeVersionData(ctx, actor, found.study),
      activeDataVersionStamp(ctx, actor.orgId, found.study),
    ]);
    return dashboardResource(actor, found, version, stamp);
  };

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
      // One call reads the study and the dashboards without their documents; a saved version's
      // document is kept parsed per process, so only a version not seen yet is read whole.
      const { study, dashboards } = await readStudyDashboards(ctx.database, actor.orgId, request.params.id);
      if (!study) throw notFound('Study');
      authorizeStudy(actor, 'dashboard:view:assigned', study);
      const found = await Promise.all(dashboards.map((head) => keptDocument(ctx, head)));
      return { data: found.flatMap((f) => (f ? [presentDashboardSummary(f.dashboard, f.document)] : [])) };
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
          'From a template, every widget is mapped with the mapping suggestions for the active data version; `data.unmapped` lists what still needs mapping.',
        params: IdParams,
        body: CreateDashboardBody,
        response: { 201: DashboardResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:create:assigned');
      const version = await activeVersionData(ctx, actor, study);
      const { name, description, templateId, document } = request.body;
      const row = await createDashboard(ctx, authorOf(request), {
        studyId: study.id,
        name,
        description: description ?? null,
        templateId: templateId ?? null,
        document: templateId
          ? await templateDocumentFor(ctx, actor, templateId, version)
          : document
            ? parseDocument(document)
            : blankDocument(),
      });
      return reply.status(201).send(await present(actor, { id: study.id, did: row.id }, 'dashboard:create:assigned'));
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
        response: { 200: DashboardResource },
      },
    },
    async (request) => present(actorOf(request), request.params),
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
        response: { 200: DashboardResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:edit:assigned');
      const { version, name, description, comment } = request.body;
      await updateDashboard(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        version,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        document: parseDocument(request.body.document),
        ...(comment ? { comment } : {}),
      });
      return present(actor, request.params, 'dashboard:edit:assigned');
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
      const found = await dashboardFor(ctx, actorOf(request), request.params, 'dashboard:delete:assigned');
      await deleteDashboard(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        ...(request.body?.reason ? { reason: request.body.reason } : {}),
      });
      return reply.status(204).send(null);
    },
  );
};
