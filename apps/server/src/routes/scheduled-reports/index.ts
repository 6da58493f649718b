import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { requireFeature } from '../../plugins/features.ts';
import { reportSettingsRoutes } from './report-settings.routes.ts';
import { reportResendRoutes } from './resend.routes.ts';
import { scheduledReportRoutes } from './scheduled-reports.routes.ts';

/** Scheduled reports, behind the `scheduled_reports` flag, and the organization's setting for their recipients. */
export const scheduledReportsPlugin: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireFeature('scheduled_reports'));
  await app.register(scheduledReportRoutes, { ctx });
  await app.register(reportSettingsRoutes, { ctx });
  await app.register(reportResendRoutes, { ctx });
};
