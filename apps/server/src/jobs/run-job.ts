import type { AppContext } from '../lib/context.ts';
import { findJob } from './registry.ts';

export type JobOutcome =
  | { status: 'done'; note: string }
  /** Never worth a retry: the name or the payload is wrong, and will stay wrong. */
  | { status: 'rejected'; reason: string };

/**
 * Runs one queued job through the registry: unknown names and payloads that do not parse are
 * logged and answered once (a retry could only fail the same way); a handler that throws is
 * left to the queue, which retries it by the job's policy.
 */
export async function runJob(ctx: AppContext, name: string, data: unknown, id?: string): Promise<JobOutcome> {
  const job = findJob(name);
  if (!job) {
    const reason = `unknown job "${name}": not run, not retried`;
    ctx.log.warn({ job: name, id }, reason);
    return { status: 'rejected', reason };
  }
  const payload = job.payload.safeParse(data ?? {});
  if (!payload.success) {
    const where = payload.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    const reason = `job ${name} has an invalid payload (${where}): not run, not retried`;
    ctx.log.error({ job: name, id }, reason);
    return { status: 'rejected', reason };
  }
  const note = job.note(await job.handler(ctx, payload.data));
  ctx.log.info({ job: name, id }, `job ${name}: ${note}`);
  return { status: 'done', note };
}
