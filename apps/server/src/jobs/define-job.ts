import type { z } from 'zod';
import type { AppContext } from '../lib/context.ts';

/** How pg-boss retries a failed run: `limit` more attempts, `delaySeconds` apart (doubling with backoff). */
export interface RetryPolicy {
  limit: number;
  delaySeconds: number;
  backoff: boolean;
}

/**
 * One background job: everything the queue and the worker need to know about it. Adding a job is
 * adding one of these to `registry.ts`; the queue, its retry policy and its schedule follow.
 */
export interface JobDefinition<Payload extends z.ZodType = z.ZodType, Result = unknown> {
  /** `"<domain>.<action>"`, the queue's name */
  name: `${string}.${string}`;
  /** Parsed before the handler runs; carries ids only (the handler reloads rows itself). */
  payload: Payload;
  handler(ctx: AppContext, payload: z.infer<Payload>): Promise<Result>;
  /** The one line a person reads in the log when a run finishes. */
  note(result: Result): string;
  retry: RetryPolicy;
  /** Cron (with optional time zone): pg-boss runs one scheduler across all workers. */
  schedule?: { cron: string; tz?: string };
  /**
   * Many short jobs that wait on the network (webhook deliveries): take up to `batchSize` at a
   * time per worker and run them side by side, looking for more every `pollingIntervalSeconds`.
   * Each job still succeeds or fails (and is retried) on its own. Default: one at a time, every 2 s.
   */
  worker?: { batchSize: number; pollingIntervalSeconds: number };
}

/** Keeps the payload's and the result's types tied to the handler while the registry stays one list. */
export function defineJob<Payload extends z.ZodType, Result>(
  job: JobDefinition<Payload, Result>,
): JobDefinition<Payload, Result> {
  return job;
}
