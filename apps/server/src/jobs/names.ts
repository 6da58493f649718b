import { z } from 'zod';

/** Every job the worker knows: `"<domain>.<action>"` name and its payload (ids only). */
export const JOBS = {
  purgeSessions: {
    name: 'auth.purge-sessions',
    payload: z.object({}).strict(),
    /** Hourly; the job is idempotent, so an overlapping run does no harm. */
    cron: '17 * * * *',
  },
  sweepTemp: {
    name: 'data.sweep-temp',
    payload: z.object({}).strict(),
    /** Hourly (and at every start-up): temp entries of stopped processes at once, others after a day; orphan version folders to quarantine. */
    cron: '43 * * * *',
  },
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS]['name'];
export const JOB_NAMES: JobName[] = Object.values(JOBS).map((j) => j.name);
