import {
  DashboardDiff,
  DashboardDiffQuery,
  DashboardParams,
  DashboardResource,
  DashboardVersionList,
  DashboardVersionParams,
  DashboardVersionResource,
  RestoreDashboardBody,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { restoreDashboardVersion } from '../../commands/save-dashboard.ts';
import { activeDataVersionStamp } from '../../dashboards/data-version-stamp.ts';
import { diffDocuments } from '../../dashboards/diff-documents.ts';
import { readStoredDocument } from '../../dashboards/documents.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData, dashboardFor, dashboardPermissions } from '../../policies/dashboard.ts';
import { dashboardResource, presentVersionEntry } from '../../presenters/dashboard.ts';
import { findDashboardVersion, listDashboardVersions } from '../../repositories/dashboards.repo.ts';

export const dashboardVersionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/dashboards/:did/versions',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "A dashboard's saved versions, newest first",
        params: DashboardParams,
        response: { 200: DashboardVersionList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:view:assigned');
      const rows = await ctx.database.tenant(actor.orgId, (tx) =>
        listDashboardVersions(tx, actor.orgId, found.dashboard.row.id),
      );
      return {
        data: rows.map((r) => presentVersionEntry(r.version, r.userName, readStoredDocument(r.version.document))),
      };
    },
  );

  async function versionOf(actor: ReturnType<typeof actorOf>, dashboardId: string, version: number) {
    const row = await ctx.database.tenant(actor.orgId, (tx) =>
      findDashboardVersion(tx, actor.orgId, dashboardId, version),
    );
    if (!row) throw notFound(`Dashboard version ${version}`);
    const document = readStoredDocument(row.version.document);
    return { ...presentVersionEntry(row.version, row.userName, document), document };
  }

  app.get(
    '/api/studies/:id/dashboards/:did/versions/:version',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'One saved version with its document',
        params: DashboardVersionParams,
        response: { 200: DashboardVersionResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:view:assigned');
      return {
        data: await versionOf(actor, found.dashboard.row.id, request.params.version),
        permissions: dashboardPermissions(actor, found.study.id),
      };
    },
  );

  app.post(
    '/api/studies/:id/dashboards/:did/versions/:version/restore',
    {
      preHandler: requirePermission('dashboard:edit:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Restore a saved version (as a new version)',
        description: '`version` in the body is the current version, as for a PUT: a stale one is a 409.',
        params: DashboardVersionParams,
        body: RestoreDashboardBody,
        response: { 200: DashboardResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:edit:assigned');
      await restoreDashboardVersion(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        version: request.params.version,
        current: request.body.version,
      });
      const saved = await dashboardFor(ctx, actor, request.params, 'dashboard:edit:assigned');
      const [version, stamp] = await Promise.all([
        activeVersionData(ctx, actor, saved.study),
        activeDataVersionStamp(ctx, actor.orgId, saved.study),
      ]);
      return dashboardResource(actor, saved, version, stamp);
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/diff',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'What changed between two saved versions',
        params: DashboardParams,
        querystring: DashboardDiffQuery,
        response: { 200: DashboardDiff },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:view:assigned');
      const from = await versionOf(actor, found.dashboard.row.id, request.query.from);
      const to = await versionOf(actor, found.dashboard.row.id, request.query.to);
      return {
        from: from.version,
        to: to.version,
        nameChanged: from.name === to.name ? null : { from: from.name, to: to.name },
        ...diffDocuments(from.document, to.document),
      };
    },
  );
};
