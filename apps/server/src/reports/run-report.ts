import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DashboardDataFilter, formatBytes, ReportSchedule } from '@cdp/contracts';
import { dashboardExports, dashboards, scheduledReportRuns, scheduledReports, studies } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { actorForUser } from '../auth/actor-for-user.ts';
import { NO_ORIGIN, systemAuthor, userAuthor } from '../auth/author.ts';
import { withJobPhiLog } from '../commands/record-phi-access.ts';
import { exportEngine } from '../exports/export-engine.ts';
import {
  EXPORT_MEDIA_TYPES,
  type ExportFormat,
  type ProducedExport,
  produceExport,
} from '../exports/produce-export.ts';
import type { AppContext } from '../lib/context.ts';
import { sendMail } from '../mail/mailer.ts';
import type { ScheduledReportRow, ScheduledReportRunRow } from '../repositories/scheduled-reports.repo.ts';
import { mailReader } from './mail-reader.ts';
import { wallAt } from './schedule.ts';

/** A report that failed this many times in a row is switched off and its owner told. */
export const REPORT_MAX_CONSECUTIVE_FAILURES = 3;

const Filters = z.array(DashboardDataFilter);

export interface ReportRunResult {
  runId: string;
  status: 'sent' | 'failed' | 'skipped';
}

/** `{study}`, `{dashboard}`, `{date}` (the run's date in the report's zone) in a subject or body. */
export function fillPlaceholders(text: string, values: { study: string; dashboard: string; date: string }): string {
  return text
    .replaceAll('{study}', values.study)
    .replaceAll('{dashboard}', values.dashboard)
    .replaceAll('{date}', values.date);
}

function localDate(instant: Date, timeZone: string): string {
  const w = wallAt(instant.getTime(), timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** Where the web app shows a report's history (and the download of a file sent as a link). */
export function reportPageUrl(publicUrl: string, report: Pick<ScheduledReportRow, 'studyId' | 'id'>): string {
  return `${publicUrl}/studies/${report.studyId}/reports?report=${report.id}`;
}

interface Loaded {
  run: ScheduledReportRunRow;
  report: ScheduledReportRow;
  studyName: string;
  dashboardName: string;
}

async function load(ctx: AppContext, orgId: string, runId: string): Promise<Loaded | null> {
  return ctx.database.tenant(orgId, async (tx) => {
    const [run] = await tx
      .select()
      .from(scheduledReportRuns)
      .where(and(eq(scheduledReportRuns.orgId, orgId), eq(scheduledReportRuns.id, runId)));
    // Finished already (a retried job after a crash past the end): nothing to do twice.
    if (run?.status !== 'running') return null;
    const [found] = await tx
      .select({ report: scheduledReports, studyName: studies.name, dashboardName: dashboards.name })
      .from(scheduledReports)
      .innerJoin(studies, eq(studies.id, scheduledReports.studyId))
      .innerJoin(dashboards, eq(dashboards.id, scheduledReports.dashboardId))
      .where(and(eq(scheduledReports.orgId, orgId), eq(scheduledReports.id, run.reportId)));
    if (!found) return null;
    return { run, report: found.report, studyName: found.studyName, dashboardName: found.dashboardName };
  });
}

/**
 * The `reports.run` job: produce the export with the access of the report's owner (of the person
 * asking, for a test), mail it, and record the run. Any failure — access lost, export error, SMTP
 * down or refusing — is recorded on the run with its reason, not thrown: the job is not retried,
 * the next occurrence is the retry, and the produced file stays where the run names it.
 */
export async function runScheduledReport(
  ctx: AppContext,
  payload: { orgId: string; runId: string },
): Promise<ReportRunResult> {
  const loaded = await load(ctx, payload.orgId, payload.runId);
  if (!loaded) return { runId: payload.runId, status: 'skipped' };
  const { run, report } = loaded;
  const schedule = ReportSchedule.parse(report.schedule);
  const now = new Date();
  try {
    if (report.deletedAt) throw new Error('the report was deleted before it ran');
    const actorId = run.trigger === 'schedule' ? report.ownerId : (run.requestedBy ?? report.ownerId);
    // Mail is not an access-controlled channel: the report is rendered as its owner (or the tester)
    // sees it without PHI clearance, so PHI columns are masked whoever owns it (mail-reader.ts). No
    // clear PHI is read, so the PHI access log records nothing and the export row is not flagged.
    const actor = mailReader(await actorForUser(ctx, payload.orgId, actorId));
    // A resend mails the failed run's file again; anything else renders the dashboard as it is now,
    // with the process's export engine (its cache is warm from earlier exports and the screen's).
    const produced =
      run.trigger === 'resend'
        ? await storedFile(ctx, run)
        : await withJobPhiLog(ctx, actor, `job reports.run · run ${run.id}`, () =>
            produceExport(ctx, exportEngine(ctx), actor, userAuthor(actor, NO_ORIGIN), {
              studyId: report.studyId,
              dashboardId: report.dashboardId,
              format: report.format as 'pdf' | 'pptx' | 'xlsx',
              ...(report.pages ? { pages: report.pages } : {}),
              filters: Filters.parse(report.filters),
              options: report.options,
            }),
          );
    const asLink = produced.bytes > ctx.config.reportAttachmentMaxBytes;
    const linkExpiresAt = asLink ? new Date(now.getTime() + ctx.config.reportLinkTtlHours * 3_600_000) : null;
    // The file is on the run before the mail goes: a failed send still names it, for a retry.
    await ctx.database.tenant(payload.orgId, (tx) =>
      tx
        .update(scheduledReportRuns)
        .set({
          fileName: produced.fileName,
          filePath: produced.path,
          bytes: produced.bytes,
          sha256: produced.sha256,
          delivery: asLink ? 'link' : 'attachment',
          linkExpiresAt,
        })
        .where(eq(scheduledReportRuns.id, run.id)),
    );
    const values = {
      study: loaded.studyName,
      dashboard: loaded.dashboardName,
      date: localDate(run.scheduledFor ?? now, schedule.timeZone),
    };
    const body = fillPlaceholders(report.body, values);
    const linkNote = linkExpiresAt
      ? `\n\nThe report (${produced.fileName}, ${formatBytes(produced.bytes)}) is too large to attach. ` +
        `Sign in to download it until ${linkExpiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ` +
        `${reportPageUrl(ctx.config.publicUrl, report)}`
      : '';
    const sent = await sendMail(ctx.config, {
      to: run.recipients,
      cc: run.cc,
      subject: fillPlaceholders(report.subject, values),
      text: `${body}${linkNote}`.trim(),
      ...(asLink
        ? {}
        : { attachment: { fileName: produced.fileName, path: produced.path, contentType: produced.mediaType } }),
    });
    await finish(ctx, loaded, { status: 'sent', messageId: sent.messageId, error: null });
    return { runId: run.id, status: 'sent' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.warn({ runId: run.id, reportId: report.id, error: message }, 'scheduled report run failed');
    await finish(ctx, loaded, { status: 'failed', messageId: null, error: message.slice(0, 2000) });
    return { runId: run.id, status: 'failed' };
  }
}

/**
 * The file a failed run produced, as it was: a file changed or removed since is not sent, and
 * neither is one rendered with PHI in clear (runs from before attachments were masked): its export
 * row says so (`clear_phi`, matched by SHA-256 as the linked-file download does), and a file no
 * export row accounts for is treated as clear.
 */
async function storedFile(
  ctx: AppContext,
  run: ScheduledReportRunRow,
): Promise<Pick<ProducedExport, 'path' | 'fileName' | 'bytes' | 'sha256' | 'mediaType'>> {
  if (!run.filePath || !run.fileName || !run.sha256) throw new Error('the run names no stored file to resend');
  const runSha = run.sha256;
  const made = await ctx.database.tenant(run.orgId, (tx) =>
    tx
      .select({ clearPhi: dashboardExports.clearPhi })
      .from(dashboardExports)
      .where(and(eq(dashboardExports.orgId, run.orgId), eq(dashboardExports.sha256, runSha))),
  );
  if (made.length === 0 || made.some((e) => e.clearPhi)) {
    throw new Error(
      `the stored file ${run.fileName} was rendered with PHI in clear (before mailed reports were masked) and is not mailed: use Send test for a new, masked one`,
    );
  }
  const body = await readFile(run.filePath).catch(() => null);
  if (!body) {
    throw new Error(
      `the stored file ${run.fileName} is no longer on the server (exports are kept for a limited time): use Send test for a new one`,
    );
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== run.sha256)
    throw new Error(`the stored file ${run.fileName} changed since it was made (sha256 differs): not sent`);
  const format = path.extname(run.fileName).slice(1) as ExportFormat;
  return {
    path: run.filePath,
    fileName: run.fileName,
    bytes: body.length,
    sha256,
    mediaType: EXPORT_MEDIA_TYPES[format] ?? 'application/octet-stream',
  };
}

async function finish(
  ctx: AppContext,
  { run, report }: Loaded,
  outcome: { status: 'sent' | 'failed'; messageId: string | null; error: string | null },
): Promise<void> {
  const orgId = run.orgId;
  const author = systemAuthor(orgId);
  const disabled = await ctx.database.tenant(orgId, async (tx) => {
    const [done] = await tx
      .update(scheduledReportRuns)
      .set({ status: outcome.status, messageId: outcome.messageId, error: outcome.error, finishedAt: new Date() })
      .where(eq(scheduledReportRuns.id, run.id))
      .returning();
    await appendAudit(tx, {
      orgId,
      author,
      action: outcome.status === 'sent' ? 'scheduled_report.sent' : 'scheduled_report.failed',
      resourceType: 'scheduled_report',
      resourceId: report.id,
      newValues: {
        runId: run.id,
        trigger: run.trigger,
        recipients: run.recipients,
        cc: run.cc,
        fileName: done?.fileName ?? null,
        bytes: done?.bytes ?? null,
        sha256: done?.sha256 ?? null,
        delivery: done?.delivery ?? null,
        ...(outcome.error ? { error: outcome.error } : {}),
      },
    });
    // A test or a resend tells its sender; only scheduled runs count toward switching the report off.
    if (run.trigger !== 'schedule') return false;
    const [current] = await tx.select().from(scheduledReports).where(eq(scheduledReports.id, report.id)).for('update');
    if (!current) return false;
    const failures = outcome.status === 'sent' ? 0 : current.failureCount + 1;
    const disable = failures >= REPORT_MAX_CONSECUTIVE_FAILURES && current.active;
    const reason = disable
      ? `Switched off after ${failures} failed runs in a row; the last one: ${outcome.error ?? 'unknown error'}`
      : null;
    await tx
      .update(scheduledReports)
      .set({
        lastRunAt: new Date(),
        lastStatus: outcome.status,
        failureCount: failures,
        ...(disable ? { active: false, nextRunAt: null, disabledReason: reason } : {}),
      })
      .where(eq(scheduledReports.id, report.id));
    if (disable) {
      await appendAudit(tx, {
        orgId,
        author,
        action: 'scheduled_report.disabled',
        resourceType: 'scheduled_report',
        resourceId: report.id,
        newValues: { active: false, failureCount: failures },
        reason,
      });
    }
    return disable ? reason : false;
  });
  if (disabled) await tellOwner(ctx, report, disabled);
}

/** The owner hears that their report stopped (best effort: the notice is on the report too). */
async function tellOwner(ctx: AppContext, report: ScheduledReportRow, reason: string): Promise<void> {
  try {
    const owner = await actorForUser(ctx, report.orgId, report.ownerId);
    await sendMail(ctx.config, {
      to: [owner.email],
      cc: [],
      subject: `Scheduled report "${report.name}" was switched off`,
      text:
        `Your scheduled report "${report.name}" failed ${REPORT_MAX_CONSECUTIVE_FAILURES} times in a row and will not be sent until you switch it on again.\n\n` +
        `${reason}\n\nOpen it: ${reportPageUrl(ctx.config.publicUrl, report)}`,
    });
  } catch (error) {
    ctx.log.warn(
      { reportId: report.id, error: error instanceof Error ? error.message : String(error) },
      'could not tell the owner their report was switched off',
    );
  }
}
