import { ReportSchedule } from '@cdp/contracts';
import { scheduledReportRuns, scheduledReports } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { AppContext } from '../lib/context.ts';
import { dueScheduledReports, lockScheduledReport } from '../repositories/scheduled-reports.repo.ts';
import { nextRun } from './schedule.ts';

/** An occurrence missed by more than this (the workers were down) is skipped, not sent late. */
export const REPORT_GRACE_MS = 60 * 60_000;

/**
 * The `reports.tick` job, every minute: each active report whose next run has come gets one run
 * for that occurrence (a unique index on report and occurrence makes a second worker's insert do
 * nothing) and its next run moved on, in one transaction with the queued `reports.run` job.
 */
export async function fireDueReports(ctx: AppContext, now = new Date()): Promise<{ queued: number; skipped: number }> {
  const due = await ctx.database.system((tx) => dueScheduledReports(tx, now));
  let queued = 0;
  let skipped = 0;
  for (const { id, orgId } of due) {
    const outcome = await ctx.database.tenant(orgId, async (tx) => {
      const row = await lockScheduledReport(tx, orgId, null, id);
      if (!row?.active || !row.nextRunAt || row.nextRunAt > now) return 'none';
      const occurrence = row.nextRunAt;
      const schedule = ReportSchedule.parse(row.schedule);
      await tx
        .update(scheduledReports)
        .set({ nextRunAt: nextRun(schedule, now) })
        .where(eq(scheduledReports.id, row.id));
      if (now.getTime() - occurrence.getTime() > REPORT_GRACE_MS) return 'skipped';
      const [run] = await tx
        .insert(scheduledReportRuns)
        .values({
          orgId,
          reportId: row.id,
          trigger: 'schedule',
          scheduledFor: occurrence,
          recipients: row.recipients,
          cc: row.cc,
        })
        .onConflictDoNothing()
        .returning({ id: scheduledReportRuns.id });
      if (!run) return 'none';
      await enqueueJob(tx, 'reports.run', { orgId, runId: run.id }, { key: run.id });
      return 'queued';
    });
    if (outcome === 'queued') queued += 1;
    if (outcome === 'skipped') skipped += 1;
  }
  return { queued, skipped };
}
