import { z } from 'zod';
import { recoverInterruptedWork } from '../ingest/recover-interrupted-work.ts';
import { defineJob, type JobDefinition } from './define-job.ts';
import { purgeRateLimits } from './handlers/purge-rate-limits.ts';
import { purgeSessions } from './handlers/purge-sessions.ts';

/** Housekeeping is idempotent: a failed run is simply retried a few times, a minute apart. */
const HOUSEKEEPING_RETRY = { limit: 3, delaySeconds: 60, backoff: true };

/** Every job the worker knows. Adding a job is adding one entry here. */
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
      `swept study temp folders: ${r.tempRemoved} left-overs removed (${r.tempOfStoppedRuns} of stopped runs), ${r.orphans} orphan version folders quarantined`,
    retry: HOUSEKEEPING_RETRY,
    // Hourly (and at every start-up): temp entries of stopped processes at once, others after a day;
    // version folders no row names go to quarantine.
    schedule: { cron: '43 * * * *' },
  }),
  defineJob({
    name: 'rate_limits.purge',
    payload: z.object({}).strict(),
    handler: (ctx) => purgeRateLimits(ctx),
    note: (r) => `purged ${r.counters} ended rate-limit windows`,
    retry: HOUSEKEEPING_RETRY,
    schedule: { cron: '29 * * * *' },
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
