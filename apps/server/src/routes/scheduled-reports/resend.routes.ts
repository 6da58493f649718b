import { Uuid } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestReportResend } from '../../commands/resend-report-run.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { REPORT_PERMISSION, scheduledReportFor } from '../../policies/scheduled-report.ts';

const RunParams = z.strictObject({ id: Uuid, reportId: Uuid, runId: Uuid });

/** Resend a failed run's stored file to that run's recipients (a new run in the history). */
export const reportResendRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/studies/:id/scheduled-reports/:reportId/runs/:runId/resend',
    {
      preHandler: requirePermission(REPORT_PERMISSION),
      schema: {
        tags: ['scheduled-reports'],
        summary:
          'Mail a failed run’s file again to that run’s recipients, without rendering it again (a new run in the history)',
        params: RunParams,
        response: { 202: z.object({ data: z.object({ runId: Uuid }) }) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const params = { studyId: request.params.id, reportId: request.params.reportId };
      await scheduledReportFor(ctx, actor, params);
      const runId = await requestReportResend(ctx, authorOf(request), {
        ...params,
        runId: request.params.runId,
        requesterId: actor.userId,
      });
      return reply.status(202).send({ data: { runId } });
    },
  );
};
