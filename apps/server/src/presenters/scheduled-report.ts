import { DashboardDataFilter, ReportSchedule, type ScheduledReport, type ScheduledReportRun } from '@cdp/contracts';
import { z } from 'zod';
import { describeSchedule } from '../reports/schedule.ts';
import type { ScheduledReportRunRow, ScheduledReportView } from '../repositories/scheduled-reports.repo.ts';

const iso = (at: Date | null) => (at ? at.toISOString() : null);

export function presentScheduledReport({ row, dashboardName, owner }: ScheduledReportView): ScheduledReport {
  const schedule = ReportSchedule.parse(row.schedule);
  return {
    id: row.id,
    studyId: row.studyId,
    dashboardId: row.dashboardId,
    dashboardName,
    owner,
    name: row.name,
    description: row.description,
    schedule,
    scheduleText: describeSchedule(schedule),
    format: row.format as ScheduledReport['format'],
    options: row.options,
    filters: z.array(DashboardDataFilter).parse(row.filters),
    pages: row.pages,
    recipients: row.recipients,
    cc: row.cc,
    subject: row.subject,
    body: row.body,
    active: row.active,
    nextRunAt: iso(row.nextRunAt),
    lastRunAt: iso(row.lastRunAt),
    lastStatus: row.lastStatus as ScheduledReport['lastStatus'],
    failureCount: row.failureCount,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Never the file's path on the server. */
export function presentScheduledReportRun(row: ScheduledReportRunRow): ScheduledReportRun {
  return {
    id: row.id,
    trigger: row.trigger as ScheduledReportRun['trigger'],
    status: row.status as ScheduledReportRun['status'],
    scheduledFor: iso(row.scheduledFor),
    recipients: row.recipients,
    cc: row.cc,
    fileName: row.fileName,
    bytes: row.bytes,
    sha256: row.sha256,
    delivery: row.delivery as ScheduledReportRun['delivery'],
    linkExpiresAt: iso(row.linkExpiresAt),
    error: row.error,
    startedAt: row.startedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
  };
}
