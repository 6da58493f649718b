import type { ScheduledReportInput } from '@cdp/contracts';
import { reportSettings, scheduledReportRuns, scheduledReports, type Tx } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { readStoredDocument } from '../dashboards/documents.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { AppError, forbidden } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { canOrgWide } from '../policies/can.ts';
import { ORGANIZATION_SETTINGS_PERMISSION } from '../policies/report-settings.ts';
import { lockedScheduledReportFor, REPORT_PERMISSION } from '../policies/scheduled-report.ts';
import { authorizeStudy } from '../policies/study.ts';
import { cronScheduleProblem, nextRun } from '../reports/schedule.ts';
import { findDashboard } from '../repositories/dashboards.repo.ts';
import {
  findReportSettings,
  organizationEmails,
  type ScheduledReportRow,
} from '../repositories/scheduled-reports.repo.ts';

/** A 400 naming the field, as zod's would. */
function invalid(path: (string | number)[], message: string): AppError {
  const where = ['body', ...path].join('.');
  return new AppError('VALIDATION_FAILED', `${where}: ${message}`, { issues: [{ path: ['body', ...path], message }] });
}

/**
 * Who a report runs as: the person saving it (for an API key, the person who created the key),
 * always taken from the actor, never from the request body.
 */
export interface ReportOwner {
  id: string;
  email: string;
}

/** The checks zod cannot make: the dashboard and its pages, the cron, who may receive mail. */
async function checkInput(tx: Tx, author: Author, studyId: string, input: ScheduledReportInput): Promise<void> {
  const dashboard = await findDashboard(tx, author.orgId, studyId, input.dashboardId);
  if (!dashboard) throw invalid(['dashboardId'], 'no such dashboard in this study');
  if (input.pages) {
    const pageIds = new Set(readStoredDocument(dashboard.row.document).pages.map((p) => p.id));
    const unknown = input.pages.findIndex((p) => !pageIds.has(p));
    if (unknown >= 0) throw invalid(['pages', unknown], `the dashboard has no page "${input.pages[unknown]}"`);
  }
  if (input.schedule.type === 'cron') {
    const problem = cronScheduleProblem(input.schedule.cron, input.schedule.timeZone);
    if (problem) throw invalid(['schedule', 'cron'], problem);
  }
  const { allowExternalRecipients } = await findReportSettings(tx, author.orgId);
  if (allowExternalRecipients) return;
  const inside = await organizationEmails(tx, author.orgId);
  for (const field of ['recipients', 'cc'] as const) {
    const outside = input[field].findIndex((email) => !inside.has(email.toLowerCase()));
    if (outside >= 0) {
      throw invalid(
        [field, outside],
        `${input[field][outside]} is not a user of this organization; reports go to the organization's users unless an administrator allows external recipients (Settings → Reports)`,
      );
    }
  }
}

function columnsOf(input: ScheduledReportInput, now: Date) {
  return {
    name: input.name,
    description: input.description,
    dashboardId: input.dashboardId,
    schedule: input.schedule,
    format: input.format,
    options: input.options,
    filters: input.filters,
    pages: input.pages ?? null,
    recipients: input.recipients,
    cc: input.cc,
    subject: input.subject,
    body: input.body,
    active: input.active,
    nextRunAt: input.active ? nextRun(input.schedule, now) : null,
  };
}

/** What the trail records of a report: everything but the free texts' full bodies. */
function audited(row: ScheduledReportRow) {
  return {
    name: row.name,
    dashboardId: row.dashboardId,
    schedule: row.schedule,
    format: row.format,
    filters: row.filters,
    pages: row.pages,
    recipients: row.recipients,
    cc: row.cc,
    subject: row.subject,
    active: row.active,
    ownerId: row.ownerId,
  };
}

export async function createScheduledReport(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; owner: ReportOwner; report: ScheduledReportInput },
): Promise<string> {
  authorizeStudy(author, REPORT_PERMISSION, { id: input.studyId });
  const ownerId = input.owner.id;
  return ctx.database.tenant(author.orgId, async (tx) => {
    await checkInput(tx, author, input.studyId, input.report);
    const [row] = await tx
      .insert(scheduledReports)
      .values({ orgId: author.orgId, studyId: input.studyId, ownerId, ...columnsOf(input.report, new Date()) })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'scheduled_report.created',
      resourceType: 'scheduled_report',
      resourceId: row.id,
      newValues: audited(row),
    });
    return row.id;
  });
}

/**
 * Replaces a report's settings. Whoever saves it becomes its owner: the report then runs with
 * their access, so nobody can point someone else's wider access at new recipients. Switching it
 * on again clears the failure count and the notice of why the system switched it off.
 */
export async function updateScheduledReport(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; reportId: string; owner: ReportOwner; report: ScheduledReportInput },
): Promise<void> {
  const ownerId = input.owner.id;
  await ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedScheduledReportFor(tx, author, input);
    await checkInput(tx, author, input.studyId, input.report);
    const reactivated = input.report.active && !before.active;
    const [row] = await tx
      .update(scheduledReports)
      .set({
        ...columnsOf(input.report, new Date()),
        ownerId,
        ...(reactivated ? { failureCount: 0, disabledReason: null } : {}),
        updatedAt: new Date(),
      })
      .where(eq(scheduledReports.id, before.id))
      .returning();
    if (!row) throw new Error('update returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'scheduled_report.updated',
      resourceType: 'scheduled_report',
      resourceId: row.id,
      oldValues: audited(before),
      newValues: audited(row),
    });
  });
}

/** Soft delete: the run history stays for the trail; nothing is sent any more. */
export async function deleteScheduledReport(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; reportId: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedScheduledReportFor(tx, author, input);
    await tx
      .update(scheduledReports)
      .set({ deletedAt: new Date(), active: false, nextRunAt: null, updatedAt: new Date() })
      .where(eq(scheduledReports.id, before.id));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'scheduled_report.deleted',
      resourceType: 'scheduled_report',
      resourceId: before.id,
      oldValues: audited(before),
    });
  });
}

/**
 * Send test: the report as it is now, to the person asking and nobody else, with their access.
 * It is a run like any other in the history, but its outcome does not count toward disabling.
 */
export async function requestReportTest(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; reportId: string; requester: ReportOwner },
): Promise<string> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const report = await lockedScheduledReportFor(tx, author, input);
    const [run] = await tx
      .insert(scheduledReportRuns)
      .values({
        orgId: author.orgId,
        reportId: report.id,
        trigger: 'test',
        recipients: [input.requester.email],
        cc: [],
        requestedBy: input.requester.id,
      })
      .returning({ id: scheduledReportRuns.id });
    if (!run) throw new Error('insert returned nothing');
    await enqueueJob(tx, 'reports.run', { orgId: author.orgId, runId: run.id }, { key: run.id });
    return run.id;
  });
}

/** Whether reports may be mailed outside the organization: a compliance decision of its administrators. */
export async function updateReportSettings(
  ctx: AppContext,
  author: Author,
  input: { allowExternalRecipients: boolean },
): Promise<{ allowExternalRecipients: boolean }> {
  if (!canOrgWide(author, ORGANIZATION_SETTINGS_PERMISSION)) throw forbidden(ORGANIZATION_SETTINGS_PERMISSION);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await findReportSettings(tx, author.orgId);
    const updatedBy = author.type === 'user' ? author.id : null;
    await tx
      .insert(reportSettings)
      .values({ orgId: author.orgId, allowExternalRecipients: input.allowExternalRecipients, updatedBy })
      .onConflictDoUpdate({
        target: reportSettings.orgId,
        set: { allowExternalRecipients: input.allowExternalRecipients, updatedBy, updatedAt: new Date() },
      });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'report_settings.updated',
      resourceType: 'organization',
      resourceId: author.orgId,
      oldValues: before,
      newValues: input,
    });
    return input;
  });
}
