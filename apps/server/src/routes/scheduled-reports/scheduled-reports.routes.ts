import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  IdParams,
  MailStatus,
  Ok,
  PreviewScheduleRequest,
  PreviewScheduleResponse,
  ScheduledReport,
  ScheduledReportInput,
  ScheduledReportRun,
  Uuid,
  withPermissions,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../../auth/actor.ts';
import {
  createScheduledReport,
  deleteScheduledReport,
  requestReportTest,
  updateScheduledReport,
} from '../../commands/scheduled-reports.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { mailTransport, outboxDir } from '../../mail/mailer.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { refuseUnclearedReportFile } from '../../policies/export.ts';
import {
  REPORT_PERMISSION,
  scheduledReportFor,
  scheduledReportPermissions,
  studyForReports,
} from '../../policies/scheduled-report.ts';
import { presentScheduledReport, presentScheduledReportRun } from '../../presenters/scheduled-report.ts';
import { cronScheduleProblem, describeSchedule, localLabel, nextRuns } from '../../reports/schedule.ts';
import {
  findScheduledReportRun,
  listScheduledReportRuns,
  listScheduledReports,
} from '../../repositories/scheduled-reports.repo.ts';

const TAGS = ['scheduled-reports'];
const ReportParams = z.strictObject({ id: Uuid, reportId: Uuid });
const RunParams = z.strictObject({ id: Uuid, reportId: Uuid, runId: Uuid });

/** The person a report runs as, and a test goes to: the signed-in user, or the creator of the API key. */
function personOf(actor: Actor) {
  return { id: actor.userId, email: actor.email };
}

/** A study's scheduled reports: settings, Send test, run history, and the file of a run sent as a link. */
export const scheduledReportRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const guard = requirePermission(REPORT_PERMISSION);
  const mail = () => ({
    transport: mailTransport(ctx.config),
    outboxDir: ctx.config.smtpUrl ? null : outboxDir(ctx.config),
  });

  app.get(
    '/api/studies/:id/scheduled-reports',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The study’s scheduled reports, and how mail leaves (SMTP, or the outbox folder)',
        params: IdParams,
        response: {
          200: z.object({
            data: z.array(ScheduledReport),
            meta: z.object({ permissions: z.array(z.string()), mail: MailStatus }),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyForReports(ctx, actor, request.params.id);
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listScheduledReports(tx, actor.orgId, study.id));
      return {
        data: rows.map(presentScheduledReport),
        meta: { permissions: scheduledReportPermissions(actor, study.id), mail: mail() },
      };
    },
  );

  app.post(
    '/api/studies/:id/scheduled-reports/preview-schedule',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'A schedule in words and its next run times, in its zone (nothing is saved)',
        params: IdParams,
        body: PreviewScheduleRequest,
        response: { 200: PreviewScheduleResponse },
      },
    },
    async (request) => {
      await studyForReports(ctx, actorOf(request), request.params.id);
      const { schedule, count } = request.body;
      if (schedule.type === 'cron') {
        const problem = cronScheduleProblem(schedule.cron, schedule.timeZone);
        if (problem) {
          throw new AppError('VALIDATION_FAILED', `body.schedule.cron: ${problem}`, {
            issues: [{ path: ['body', 'schedule', 'cron'], message: problem }],
          });
        }
      }
      const runs = nextRuns(schedule, new Date(), count);
      return {
        data: {
          text: describeSchedule(schedule),
          runs: runs.map((at) => ({ at: at.toISOString(), local: localLabel(at, schedule.timeZone) })),
        },
      };
    },
  );

  app.post(
    '/api/studies/:id/scheduled-reports',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Schedule a report; it runs with the access of the person who saves it',
        params: IdParams,
        body: ScheduledReportInput,
        response: { 201: withPermissions(ScheduledReport) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const study = await studyForReports(ctx, actor, request.params.id);
      const id = await createScheduledReport(ctx, authorOf(request), {
        studyId: study.id,
        owner: personOf(actor),
        report: request.body,
      });
      const found = await scheduledReportFor(ctx, actor, { studyId: study.id, reportId: id });
      return reply
        .status(201)
        .send({ data: presentScheduledReport(found), permissions: scheduledReportPermissions(actor, study.id) });
    },
  );

  app.get(
    '/api/studies/:id/scheduled-reports/:reportId',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'One scheduled report',
        params: ReportParams,
        response: { 200: withPermissions(ScheduledReport) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await scheduledReportFor(ctx, actor, {
        studyId: request.params.id,
        reportId: request.params.reportId,
      });
      return { data: presentScheduledReport(found), permissions: scheduledReportPermissions(actor, request.params.id) };
    },
  );

  app.put(
    '/api/studies/:id/scheduled-reports/:reportId',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Replace a report’s settings (the saver becomes its owner; switching it on clears its failures)',
        params: ReportParams,
        body: ScheduledReportInput,
        response: { 200: withPermissions(ScheduledReport) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const params = { studyId: request.params.id, reportId: request.params.reportId };
      await scheduledReportFor(ctx, actor, params);
      await updateScheduledReport(ctx, authorOf(request), { ...params, owner: personOf(actor), report: request.body });
      const found = await scheduledReportFor(ctx, actor, params);
      return { data: presentScheduledReport(found), permissions: scheduledReportPermissions(actor, params.studyId) };
    },
  );

  app.delete(
    '/api/studies/:id/scheduled-reports/:reportId',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Delete a report (its run history is kept)',
        params: ReportParams,
        response: { 200: Ok },
      },
    },
    async (request) => {
      const params = { studyId: request.params.id, reportId: request.params.reportId };
      await scheduledReportFor(ctx, actorOf(request), params);
      await deleteScheduledReport(ctx, authorOf(request), params);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/studies/:id/scheduled-reports/:reportId/test',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Send the report now to the person asking, and nobody else (a run in the history)',
        params: ReportParams,
        response: { 202: z.object({ data: z.object({ runId: Uuid }) }) },
      },
    },
    async (request, reply) => {
      const params = { studyId: request.params.id, reportId: request.params.reportId };
      const actor = actorOf(request);
      await scheduledReportFor(ctx, actor, params);
      const runId = await requestReportTest(ctx, authorOf(request), { ...params, requester: personOf(actor) });
      return reply.status(202).send({ data: { runId } });
    },
  );

  app.get(
    '/api/studies/:id/scheduled-reports/:reportId/runs',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The report’s runs, newest first: when, to whom, size, outcome, error',
        params: ReportParams,
        response: { 200: z.object({ data: z.array(ScheduledReportRun) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await scheduledReportFor(ctx, actor, {
        studyId: request.params.id,
        reportId: request.params.reportId,
      });
      const rows = await ctx.database.tenant(actor.orgId, (tx) =>
        listScheduledReportRuns(tx, actor.orgId, found.row.id),
      );
      return { data: rows.map(presentScheduledReportRun) };
    },
  );

  app.get(
    '/api/studies/:id/scheduled-reports/:reportId/runs/:runId/file',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary:
          'The file of a run that was too large to attach: for a signed-in user who may export the study’s dashboards, until the link expires',
        params: RunParams,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await scheduledReportFor(ctx, actor, {
        studyId: request.params.id,
        reportId: request.params.reportId,
      });
      const run = await ctx.database.tenant(actor.orgId, (tx) =>
        findScheduledReportRun(tx, actor.orgId, found.row.id, request.params.runId),
      );
      if (run?.delivery !== 'link' || !run.filePath || !run.fileName) throw notFound('Report file');
      if (!run.linkExpiresAt || run.linkExpiresAt <= new Date()) {
        throw new AppError('NOT_FOUND', `This report's download expired on ${run.linkExpiresAt?.toISOString()}.`);
      }
      // A file rendered with PHI in clear goes only to a reader cleared for PHI on the study.
      await refuseUnclearedReportFile(ctx, actor, { studyId: found.row.studyId, sha256: run.sha256 });
      const size = await stat(run.filePath).catch(() => null);
      if (!size) throw new AppError('NOT_FOUND', 'This report file has been removed from the server.');
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', size.size)
        .header('content-disposition', `attachment; filename="${run.fileName.replace(/[^A-Za-z0-9_. -]/g, '_')}"`)
        .send(createReadStream(run.filePath));
    },
  );
};
