import { z } from 'zod';
import { Email, IsoDateTime, Uuid } from './common.ts';
import { DashboardDataFilter } from './dashboard-data.ts';
import { TimeZone } from './pipelines.ts';

/** Scheduled reports (issue 14): a dashboard e-mailed on a schedule as PDF, PowerPoint or Excel. */

export const REPORT_FORMATS = ['pdf', 'pptx', 'xlsx'] as const;
export const ReportFormat = z.enum(REPORT_FORMATS);

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Give the time of day as HH:MM, 24-hour (e.g. 08:00).');

export const ReportSchedule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('daily'), time: TimeOfDay, timeZone: TimeZone }).strict(),
  z
    .object({
      type: z.literal('weekly'),
      days: z.array(z.enum(WEEKDAYS)).min(1, 'Pick at least one day of the week.').max(7),
      time: TimeOfDay,
      timeZone: TimeZone,
    })
    .strict(),
  z
    .object({
      type: z.literal('monthly'),
      /** 1–31 (a month without that day sends on its last day), or "last". */
      dayOfMonth: z.union([z.number().int().min(1).max(31), z.literal('last')]),
      time: TimeOfDay,
      timeZone: TimeZone,
    })
    .strict(),
  z
    .object({
      type: z.literal('cron'),
      /** Five fields (minute hour day-of-month month day-of-week), read in `timeZone`. */
      cron: z.string().trim().min(1).max(200),
      timeZone: TimeZone,
    })
    .strict(),
]);
export type ReportSchedule = z.infer<typeof ReportSchedule>;

const Recipients = z.array(Email).max(50, 'At most 50 addresses.');

export const ScheduledReportInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).default(''),
    dashboardId: Uuid,
    schedule: ReportSchedule,
    format: ReportFormat,
    /** Renderer options (paper size, orientation…); passed to the exporter as they are. */
    options: z.record(z.string(), z.union([z.string().max(100), z.number(), z.boolean()])).default({}),
    filters: z.array(DashboardDataFilter).max(50).default([]),
    /** Page ids of the dashboard; all pages when absent. */
    pages: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
    recipients: Recipients.min(1, 'Add at least one recipient.'),
    cc: Recipients.default([]),
    /** Placeholders: {study}, {dashboard}, {date}. */
    subject: z.string().trim().min(1).max(300),
    body: z.string().max(10_000).default(''),
    active: z.boolean().default(true),
  })
  .strict();
export type ScheduledReportInput = z.infer<typeof ScheduledReportInput>;

export const ScheduledReport = z.object({
  id: Uuid,
  studyId: Uuid,
  dashboardId: Uuid,
  dashboardName: z.string(),
  owner: z.object({ id: Uuid, name: z.string(), email: z.string() }),
  name: z.string(),
  description: z.string(),
  schedule: ReportSchedule,
  /** The schedule in words, e.g. "Every Monday at 08:00 (Europe/Berlin)". */
  scheduleText: z.string(),
  format: ReportFormat,
  options: z.record(z.string(), z.unknown()),
  filters: z.array(DashboardDataFilter),
  pages: z.array(z.string()).nullable(),
  recipients: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  body: z.string(),
  active: z.boolean(),
  nextRunAt: IsoDateTime.nullable(),
  lastRunAt: IsoDateTime.nullable(),
  lastStatus: z.enum(['sent', 'failed']).nullable(),
  failureCount: z.number().int(),
  disabledReason: z.string().nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type ScheduledReport = z.infer<typeof ScheduledReport>;

export const ScheduledReportRun = z.object({
  id: Uuid,
  /** resend: a failed run's stored file mailed again to its recipients. */
  trigger: z.enum(['schedule', 'test', 'resend']),
  status: z.enum(['running', 'sent', 'failed']),
  scheduledFor: IsoDateTime.nullable(),
  recipients: z.array(z.string()),
  cc: z.array(z.string()),
  fileName: z.string().nullable(),
  bytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  delivery: z.enum(['attachment', 'link']).nullable(),
  linkExpiresAt: IsoDateTime.nullable(),
  error: z.string().nullable(),
  startedAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
});
export type ScheduledReportRun = z.infer<typeof ScheduledReportRun>;

export const PreviewScheduleRequest = z
  .object({ schedule: ReportSchedule, count: z.number().int().min(1).max(20).default(5) })
  .strict();
export const PreviewScheduleResponse = z.object({
  data: z.object({
    text: z.string(),
    /** Each run as an instant and as the wall-clock time in the schedule's zone. */
    runs: z.array(z.object({ at: IsoDateTime, local: z.string() })),
  }),
});

/** How mail leaves: an SMTP server, or (no SMTP_URL) .eml files in the outbox folder. */
export const MailStatus = z.object({ transport: z.enum(['smtp', 'outbox']), outboxDir: z.string().nullable() });

export const ReportSettings = z.object({ allowExternalRecipients: z.boolean() });
export const UpdateReportSettings = z.object({ allowExternalRecipients: z.boolean() }).strict();
