import { SpanKind } from '@opentelemetry/api';
import type { AppContext } from '../lib/context.ts';
import { jobEnded, jobStarted } from '../lib/duckdb-memory.ts';
import { jobSeconds, jobsRunning, jobsTotal } from '../lib/metrics.ts';
import { inSpan, splitJobData } from '../lib/tracing.ts';
import { findJob } from './registry.ts';

export type JobOutcome =
  | { status: 'done'; note: string }
  /** Never worth a retry: the name or the payload is wrong, and will stay wrong. */
  | { status: 'rejected'; reason: string };

/**
 * Runs one queued job through the registry: unknown names and payloads that do not parse are
 * logged and answered once (a retry could only fail the same way); a handler that throws is
 * left to the queue, which retries it by the job's policy. Every job is counted and timed here by
 * its name (lib/metrics.ts), and its handler logs with the job's name and id on every line.
 */
export async function runJob(ctx: AppContext, name: string, queued: unknown, id?: string): Promise<JobOutcome> {
  // A job queued by a traced request continues its trace (lib/tracing.ts).
  const { payload: data, parent } = splitJobData(queued);
  return inSpan(
    `job ${name}`,
    { kind: SpanKind.CONSUMER, parent, attributes: { 'cdp.job.name': name, ...(id ? { 'cdp.job.id': id } : {}) } },
    () => runParsed(ctx, name, data, id),
  );
}

async function runParsed(ctx: AppContext, name: string, data: unknown, id?: string): Promise<JobOutcome> {
  const job = findJob(name);
  if (!job) {
    const reason = `unknown job "${name}": not run, not retried`;
    ctx.log.warn({ job: name, id }, reason);
    jobsTotal.inc({ job: name, outcome: 'rejected' });
    return { status: 'rejected', reason };
  }
  const payload = job.payload.safeParse(data ?? {});
  if (!payload.success) {
    const where = payload.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    const reason = `job ${name} has an invalid payload (${where}): not run, not retried`;
    ctx.log.error({ job: name, id }, reason);
    jobsTotal.inc({ job: name, outcome: 'rejected' });
    return { status: 'rejected', reason };
  }
  const log = ctx.log.child({ job: name, jobId: id });
  const stopTimer = jobSeconds.startTimer({ job: name });
  jobsRunning.inc({ job: name });
  jobStarted();
  log.debug(`job ${name} started`);
  try {
    const note = job.note(await job.handler({ ...ctx, log }, payload.data));
    jobsTotal.inc({ job: name, outcome: 'done' });
    log.info(`job ${name}: ${note}`);
    return { status: 'done', note };
  } catch (error) {
    jobsTotal.inc({ job: name, outcome: 'failed' });
    throw error;
  } finally {
    stopTimer();
    jobsRunning.dec({ job: name });
    // Once no job runs for a second, DuckDB's freed memory goes back to the system (lib/duckdb-memory.ts).
    jobEnded();
  }
}
