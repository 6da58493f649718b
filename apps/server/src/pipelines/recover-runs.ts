import { pipelineRunLogs, pipelineRuns } from '@cdp/db';
import { and, eq, max } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import { isRunAlive } from '../lib/process-run.ts';
import { endRun } from './run-pipeline.ts';

/**
 * Runs left RUNNING by a worker that died (killed, crashed, its machine gone) are found by the
 * worker's process lock: every process holds a PostgreSQL advisory lock for its run id while it
 * lives, and PostgreSQL drops it when the process dies. Such runs are marked FAILED (interrupted),
 * with a log line saying so; nothing of theirs became an output version (that happens in one
 * transaction with SUCCEEDED). Called when a worker starts and every minute.
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
      const message = `Interrupted: the worker running it (${(run.workerId ?? 'unknown').slice(0, 8)}) stopped; run it again`;
      await tx.insert(pipelineRunLogs).values({
        orgId: run.orgId,
        runId: run.id,
        seq: (last?.seq ?? 0) + 1,
        level: 'error',
        message,
      });
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
  if (recovered > 0) ctx.log.warn(`${recovered} pipeline run(s) of stopped workers marked FAILED (interrupted)`);
  return recovered;
}
