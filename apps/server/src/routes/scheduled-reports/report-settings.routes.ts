import { ReportSettings, UpdateReportSettings } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { updateReportSettings } from '../../commands/scheduled-reports.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { ORGANIZATION_SETTINGS_PERMISSION } from '../../policies/report-settings.ts';
import { findReportSettings } from '../../repositories/scheduled-reports.repo.ts';

const TAGS = ['scheduled-reports'];

/** Whether e-mailed reports may go to addresses outside the organization's users (off by default). */
export const reportSettingsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const guard = requirePermission(ORGANIZATION_SETTINGS_PERMISSION);

  app.get(
    '/api/organization/report-settings',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The organization’s settings of e-mailed reports',
        response: { 200: z.object({ data: ReportSettings }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { data: await ctx.database.tenant(actor.orgId, (tx) => findReportSettings(tx, actor.orgId)) };
    },
  );

  app.put(
    '/api/organization/report-settings',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary:
          'Allow or forbid e-mailed reports to addresses outside the organization (a compliance decision, audited)',
        body: UpdateReportSettings,
        response: { 200: z.object({ data: ReportSettings }) },
      },
    },
    async (request) => ({ data: await updateReportSettings(ctx, authorOf(request), request.body) }),
  );
};
