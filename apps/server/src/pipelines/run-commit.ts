import type { Tx } from '@cdp/db';
import type { AppContext } from '../lib/context.ts';

/**
 * A tenant transaction whose COMMIT returns before its WAL is flushed to disk
 * (`synchronous_commit = off` for this transaction only, set with BEGIN in one round trip). For a
 * run's bookkeeping that a restart may lose without harm: its progress, heartbeat and log lines (its
 * claim, RUNNING on this worker, commits the same way inside `app_claim_pipeline_run`). PostgreSQL
 * still writes the WAL in order, so a crash of the machine can only lose the last few hundred
 * milliseconds of such commits, never leave them half done, and any later ordinary commit (the run's output, its audit event) flushes them with it. A
 * lost claim leaves the run QUEUED for the queue to hand out again; a lost log line is a line the
 * run's end no longer follows.
 *
 * Why: each ordinary commit that changed something waits for an fsync (1–6 ms on this machine's
 * disk, more when other work writes), and a small run made five of them in a row on the way from
 * its job's hand-off to its output, the only ones the user waits for besides the run's own
 * records: its queueing (with its audit event) and its output (with its audit event) stay durable.
 */
export function withoutFlush<T>(ctx: AppContext, orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.database.tenant(orgId, fn, { flush: false });
}
