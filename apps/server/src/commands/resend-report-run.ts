import { scheduledReportRuns } from '@cdp/db';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedScheduledReportFor } from '../policies/scheduled-report.ts';
import { findScheduledReportRun } from '../repositories/scheduled-reports.repo.ts';

/**
 * Resend a failed run: the file that run produced (kept on the run for exactly this), mailed again
 * to the run's recipients, as a new run in the history (`trigger: 'resend'`). Nothing is rendered
 * again, so the recipients get the very document the failed run would have sent (same data
 * version, same sha256; the job checks the hash before sending).
 */
export async function requestReportResend(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; reportId: string; runId: string; requesterId: string },
): Promise<string> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const report = await lockedScheduledReportFor(tx, author, input);
    const failed = await findScheduledReportRun(tx, author.orgId, report.id, input.runId);
    if (!failed) throw notFound('Report run');
    if (failed.status !== 'failed') {
      throw new AppError('INVALID_STATE', `Only a failed run can be resent; this one is ${failed.status}.`);
    }
    if (!failed.filePath || !failed.fileName || !failed.sha256 || failed.bytes === null) {
      throw new AppError(
        'INVALID_STATE',
        'This run failed before its file was made, so there is nothing to resend: use Send test, or wait for the next run.',
      );
    }
    const [run] = await tx
      .insert(scheduledReportRuns)
      .values({
        orgId: author.orgId,
        reportId: report.id,
        trigger: 'resend',
        recipients: failed.recipients,
        cc: failed.cc,
        scheduledFor: null,
        fileName: failed.fileName,
        filePath: failed.filePath,
        bytes: failed.bytes,
        sha256: failed.sha256,
        requestedBy: input.requesterId,
      })
      .returning({ id: scheduledReportRuns.id });
    if (!run) throw new Error('insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'scheduled_report.resent',
      resourceType: 'scheduled_report',
      resourceId: report.id,
      newValues: {
        runId: run.id,
        resendOf: failed.id,
        recipients: failed.recipients,
        cc: failed.cc,
        fileName: failed.fileName,
        sha256: failed.sha256,
      },
    });
    await enqueueJob(tx, 'reports.run', { orgId: author.orgId, runId: run.id }, { key: run.id });
    return run.id;
  });
}
