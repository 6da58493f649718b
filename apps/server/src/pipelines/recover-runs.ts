import { pipelineRunLogs, pipelineRuns } from '@cdp/db';
import { and, eq, max } from 'drizzle-orm';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { AppContext } from '../lib/context.ts';
import { isRunAlive } from '../lib/process-run.ts';
import { endRun, RUN_RETRY } from './run-pipeline.ts';

/**
 * Runs left RUNNING by a worker that died (killed, crashed, its machine gone) are found by the
 * worker's process lock: every process holds a PostgreSQL advisory lock for its run id while it
 * lives, and PostgreSQL drops it when the process dies. Nothing of such a run became an output
 * version (that happens in one transaction with SUCCEEDED), so it is queued again while it has
 * attempts left (RUN_RETRY, as for an infrastructure error: the next worker takes it), and marked
 * FAILED (interrupted) after its last one; a log line says which. Called when a worker starts,
 * every few seconds by each worker (jobs/queue.ts) and every minute by `pipelines.tick`; two
 * workers recovering at once are harmless (the row is locked and its worker checked again).
 */
export async function recoverInterruptedRuns(ctx: AppContext): Promise<number> {
  const running = await ctx.database.system((tx) =>
    tx
      .select({ id: pipelineRuns.id, orgId: pipelineRuns.orgId, workerId: pipelineRuns.workerId })
      .from(pipelineRuns)
      .where(eq(pipelineRuns.status, 'RUNNING')),
  );
  let recovered = 0;
  for (const candidate of running) {
    if (candidate.workerId && (await isRunAlive(ctx.database.pool, candidate.workerId))) continue;
    const done = await ctx.database.tenant(candidate.orgId, async (tx) => {
      const [run] = await tx
        .select()
        .from(pipelineRuns)
        .where(and(eq(pipelineRuns.id, candidate.id), eq(pipelineRuns.status, 'RUNNING')))
        .for('update');
      if (!run || run.workerId !== candidate.workerId) return false;
      const [last] = await tx
        .select({ seq: max(pipelineRunLogs.seq) })
        .from(pipelineRunLogs)
        .where(eq(pipelineRunLogs.runId, run.id));
      const worker = (run.workerId ?? 'unknown').slice(0, 8);
      const retry = run.attempts < RUN_RETRY.limit + 1;
      const message = retry
        ? `Interrupted: the worker running it (${worker}) stopped during attempt ${run.attempts} of ${RUN_RETRY.limit + 1}; queued again`
        : `Interrupted: the worker running it (${worker}) stopped; run it again`;
      await tx.insert(pipelineRunLogs).values({
        orgId: run.orgId,
        runId: run.id,
        seq: (last?.seq ?? 0) + 1,
        level: retry ? 'warn' : 'error',
        message,
      });
      if (retry) {
        await endRun(tx, run, 'QUEUED', { message, step: null, path: null, kind: 'interrupted' });
        // The dead worker's own job stays active in the queue until it expires; this one runs it now.
        await enqueueJob(
          tx,
          'pipelines.run',
          { orgId: run.orgId, runId: run.id },
          { key: `${run.id}:recovered:${run.attempts}` },
        );
        return true;
      }
      await endRun(tx, run, 'FAILED', {
        message,
        step: run.progress ? run.progress.step - 1 : null,
        path: null,
        kind: 'interrupted',
      });
      return true;
    });
    if (done) recovered += 1;
  }
  if (recovered > 0)
    ctx.log.warn(`${recovered} pipeline run(s) of stopped workers queued again or marked FAILED (interrupted)`);
  return recovered;
}
