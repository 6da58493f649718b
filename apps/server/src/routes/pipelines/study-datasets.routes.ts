import { IdParams, StudyDatasetList } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData } from '../../policies/dashboard.ts';
import { studyFor } from '../../policies/study.ts';

/**
 * The widget data picker's list: the active source version's datasets and each pipeline's latest
 * output datasets, each labelled with where it comes from. Outside the pipelines feature switch:
 * with pipelines off, the list is the source datasets (and outputs made before).
 */
export const studyDatasetRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/dashboard-datasets',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Every dataset a dashboard widget can read: source datasets and pipeline outputs, labelled',
        params: IdParams,
        response: { 200: StudyDatasetList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:view:assigned');
      const version = await activeVersionData(ctx, actor, study);
      if (!version) return { data: [] };
      return {
        data: [...version.datasets.values()]
          .map((d) => ({
            name: d.name,
            label: d.label,
            rows: d.rows,
            columns: d.columns.map((c) => ({ name: c.name, label: c.label, type: c.type })),
            origin: d.origin ?? { kind: 'source' as const, versionId: version.id },
          }))
          .sort((a, b) => a.origin.kind.localeCompare(b.origin.kind) * -1 || a.name.localeCompare(b.name)),
      };
    },
  );
};
