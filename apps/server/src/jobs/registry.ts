import { z } from 'zod';
import { fireSourceSchedules, recoverInterruptedPulls } from '../data-sources/tick.ts';
import { recoverInterruptedWork } from '../ingest/recover-interrupted-work.ts';
import { protectStudyFiles } from '../phi/seal-files.ts';
import { recoverInterruptedRuns } from '../pipelines/recover-runs.ts';
import { RUN_RETRY, runPipeline } from '../pipelines/run-pipeline.ts';
import { fireSchedules } from '../pipelines/triggers.ts';
import { fireDueReports } from '../reports/fire-due-reports.ts';
import { deliverWebhook } from '../webhooks/deliver-webhook.ts';
import { defineJob, type JobDefinition } from './define-job.ts';
import { purgeRateLimits } from './handlers/purge-rate-limits.ts';
import { purgeSessions } from './handlers/purge-sessions.ts';

/** Housekeeping is idempotent: a failed run is simply retried a few times, a minute apart. */
const HOUSEKEEPING_RETRY = { limit: 3, delaySeconds: 60, backoff: true };

/**
 * Every job the worker knows. Adding a job is adding one entry here. A handler that needs modules
 * no other job needs (exports and reports: the renderers and the widgets; pulls: the connectors)
 * imports its module when it runs: an idle worker does not hold them (docs/decisions.md, p12m).
 */
export const JOBS = [
  defineJob({
    name: 'auth.purge-sessions',
    payload: z.object({}).strict(),
    handler: (ctx) => purgeSessions(ctx),
    note: (r) => `purged ended sessions: ${r.tokens} refresh tokens, ${r.sessions} sessions`,
    retry: HOUSEKEEPING_RETRY,
    // Hourly; an overlapping run does no harm.
    schedule: { cron: '17 * * * *' },
  }),
  defineJob({
    name: 'data.sweep-temp',
    payload: z.object({}).strict(),
    handler: (ctx) => recoverInterruptedWork(ctx),
    note: (r) =>
      `swept study temp folders: ${r.tempRemoved} left-overs removed (${r.tempOfStoppedRuns} of stopped runs), ${r.orphans} orphan version folders quarantined, ${r.retiredSidecars} retired PHI sidecars removed`,
    retry: HOUSEKEEPING_RETRY,
    // Hourly (and at every start-up): temp entries of stopped processes at once, others after a day;
    // version folders no row names go to quarantine.
    schedule: { cron: '43 * * * *' },
  }),
  defineJob({
    name: 'exports.render',
    payload: z.object({ orgId: z.uuid(), exportId: z.uuid() }).strict(),
    handler: async (ctx, payload) => (await import('../exports/export-jobs.ts')).renderExport(ctx, payload),
    note: (r) => `dashboard export ${r.exportId}: ${r.status}`,
    // A failed export is written on its row and not retried; these retries are for a crash mid-run.
    retry: { limit: 1, delaySeconds: 30, backoff: false },
  }),
  defineJob({
    name: 'exports.purge',
    payload: z.object({}).strict(),
    handler: async (ctx) => (await import('../exports/export-jobs.ts')).purgeExports(ctx),
    note: (r) => `removed ${r.files} expired export files`,
    retry: HOUSEKEEPING_RETRY,
    // Hourly: files kept EXPORT_RETENTION_HOURS are gone within the hour after.
    schedule: { cron: '51 * * * *' },
  }),
  defineJob({
    name: 'phi.protect',
    payload: z.object({ orgId: z.uuid(), studyId: z.uuid() }).strict(),
    handler: (ctx, payload) => protectStudyFiles(ctx, payload),
    note: (r) => `study ${r.studyId}: PHI sealed in ${r.sealed} files, unsealed in ${r.unsealed}`,
    // Idempotent: a file already sealed as the classification says is left alone.
    retry: HOUSEKEEPING_RETRY,
  }),
  defineJob({
    name: 'pipelines.run',
    payload: z.object({ orgId: z.uuid(), runId: z.uuid() }).strict(),
    handler: (ctx, payload) => runPipeline(ctx, payload),
    note: (r) => `pipeline run ${r.runId}: ${r.status}`,
    // Infrastructure errors only: a definition error ends the run without a retry.
    retry: RUN_RETRY,
  }),
  defineJob({
    name: 'pipelines.tick',
    payload: z.object({}).strict(),
    handler: async (ctx) => ({ recovered: await recoverInterruptedRuns(ctx), fired: await fireSchedules(ctx) }),
    note: (r) => `pipelines: ${r.fired} scheduled runs queued, ${r.recovered} interrupted runs marked failed`,
    retry: HOUSEKEEPING_RETRY,
    // Every minute: cron schedules of pipelines (each in its own time zone) and runs of stopped workers.
    schedule: { cron: '* * * * *' },
  }),
  defineJob({
    name: 'rate_limits.purge',
    payload: z.object({}).strict(),
    handler: (ctx) => purgeRateLimits(ctx),
    note: (r) => `purged ${r.counters} ended rate-limit windows`,
    retry: HOUSEKEEPING_RETRY,
    schedule: { cron: '29 * * * *' },
  }),
  defineJob({
    name: 'reports.tick',
    payload: z.object({}).strict(),
    handler: (ctx) => fireDueReports(ctx),
    note: (r) => `scheduled reports: ${r.queued} runs queued, ${r.skipped} missed occurrences skipped`,
    retry: HOUSEKEEPING_RETRY,
    // Every minute: reports whose next run (kept computed in the report's zone) has come.
    schedule: { cron: '* * * * *' },
  }),
  defineJob({
    name: 'reports.run',
    payload: z.object({ orgId: z.uuid(), runId: z.uuid() }).strict(),
    handler: async (ctx, payload) => (await import('../reports/run-report.ts')).runScheduledReport(ctx, payload),
    note: (r) => `scheduled report run ${r.runId}: ${r.status}`,
    // A failed export or send is recorded on the run, not thrown; these retries are for a crash mid-run.
    retry: { limit: 1, delaySeconds: 60, backoff: false },
  }),
  defineJob({
    name: 'webhooks.deliver',
    payload: z.object({ orgId: z.uuid(), deliveryId: z.uuid() }).strict(),
    handler: (ctx, payload) => deliverWebhook(ctx, payload),
    note: (r) => `webhook delivery attempt ${r.attempt}: ${r.status}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''}`,
    // A failed HTTP attempt is not a failed job: the handler logs it and queues the next attempt on
    // the webhook schedule (webhooks/retry-schedule.ts). These retries are for a crash mid-run.
    retry: { limit: 2, delaySeconds: 30, backoff: true },
    // Deliveries mostly wait on the receiver: many at once, and picked up within half a second.
    worker: { batchSize: 50, pollingIntervalSeconds: 0.5 },
  }),
  defineJob({
    name: 'data_sources.pull',
    payload: z.object({ orgId: z.uuid(), pullId: z.uuid() }).strict(),
    handler: async (ctx, payload) => (await import('../data-sources/run-pull.ts')).runPull(ctx, payload),
    note: (r) => `data source pull ${r.pullId}: ${r.status}`,
    // A failed pull ends FAILED with its reason and is not retried: the next scheduled pull (or
    // Pull now) tries again. These retries are for a crash before the pull was claimed.
    retry: { limit: 1, delaySeconds: 30, backoff: false },
  }),
  defineJob({
    name: 'data_sources.tick',
    payload: z.object({}).strict(),
    handler: async (ctx) => ({ recovered: await recoverInterruptedPulls(ctx), fired: await fireSourceSchedules(ctx) }),
    note: (r) => `data sources: ${r.fired} scheduled pulls queued, ${r.recovered} interrupted pulls marked failed`,
    retry: HOUSEKEEPING_RETRY,
    // Every minute: each source's cron schedule in its own time zone, and pulls of stopped workers.
    schedule: { cron: '* * * * *' },
  }),
] as const;

export type JobName = (typeof JOBS)[number]['name'];

export function findJob(name: string): JobDefinition | undefined {
  return (JOBS as readonly JobDefinition[]).find((job) => job.name === name);
}

export function jobNamed(name: JobName): JobDefinition {
  const job = findJob(name);
  if (!job) throw new Error(`no job named ${name}`);
  return job;
}
