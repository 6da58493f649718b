import type { PipelineRunTrigger } from '@cdp/contracts';
import { pipelineRunLogs, pipelineRuns, type Tx } from '@cdp/db';
import { and, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueInTransaction } from '../jobs/enqueue.ts';
import { AppError, isUniqueViolation, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { notifyRunChanged } from '../pipelines/run-changes.ts';
import { lockedPipelineFor } from '../policies/pipeline.ts';
import { authorizeStudy } from '../policies/study.ts';
import {
  findRun,
  type PipelineRunLogRow,
  type PipelineRunRow,
  type RunWithActor,
  runLog,
} from '../repositories/pipelines.repo.ts';

/**
 * Queues a run of a pipeline's current version, inside one transaction with its job and audit
 * event. A pipeline has at most one run queued or running (a unique index says so even under a
 * race): a second request is a 409 naming the active run.
 */
export async function queuePipelineRun(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; pipelineId: string; trigger: PipelineRunTrigger },
): Promise<{ run: RunWithActor; log: PipelineRunLogRow[] }> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const queued = await queueRunIn(tx, author, input);
    // The run as its page reads it, in the same transaction: the answer needs no transaction of its own.
    const run = await findRun(tx, author.orgId, queued.pipelineId, queued.id);
    if (!run) throw new Error(`run ${queued.id} is not readable after its insert`);
    return { run, log: await runLog(tx, author.orgId, queued.id) };
  });
}

export async function queueRunIn(
  tx: Tx,
  author: Author,
  input: { studyId: string; pipelineId: string; trigger: PipelineRunTrigger },
): Promise<PipelineRunRow> {
  const { row: pipeline } = await lockedPipelineFor(
    tx,
    author,
    { studyId: input.studyId, pipelineId: input.pipelineId },
    'pipeline:execute:assigned',
  );
  const [active] = await tx
    .select({ id: pipelineRuns.id, status: pipelineRuns.status })
    .from(pipelineRuns)
    .where(and(eq(pipelineRuns.pipelineId, pipeline.id), inArray(pipelineRuns.status, ['QUEUED', 'RUNNING'])))
    .limit(1);
  if (active) throw alreadyActive(pipeline.name, active);
  let run: PipelineRunRow | undefined;
  try {
    [run] = await tx
      .insert(pipelineRuns)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        pipelineId: pipeline.id,
        pipelineVersion: pipeline.version,
        status: 'QUEUED',
        trigger: input.trigger,
        requestedBy: userIdOf(author),
      })
      .returning();
  } catch (error) {
    if (isUniqueViolation(error, 'pipeline_runs_one_active')) throw alreadyActive(pipeline.name, null);
    throw error;
  }
  if (!run) throw new Error('run insert returned nothing');
  await tx.insert(pipelineRunLogs).values({
    orgId: author.orgId,
    runId: run.id,
    seq: 1,
    level: 'info',
    message: `Queued (${input.trigger}) by ${author.label}: ${pipeline.name}, version ${pipeline.version}`,
  });
  await enqueueInTransaction(tx, 'pipelines.run', { orgId: author.orgId, runId: run.id }, { singletonKey: run.id });
  await appendAudit(tx, {
    orgId: author.orgId,
    author,
    action: 'pipeline_run.started',
    resourceType: 'pipeline_run',
    resourceId: run.id,
    newValues: {
      pipelineId: pipeline.id,
      pipeline: pipeline.name,
      pipelineVersion: pipeline.version,
      trigger: input.trigger,
      status: 'QUEUED',
    },
  });
  return run;
}

function alreadyActive(name: string, active: { id: string; status: string } | null): AppError {
  return new AppError(
    'CONFLICT',
    `Pipeline ${name} is already ${active ? active.status.toLowerCase() : 'queued'}: wait for that run to end or cancel it.`,
    active ? { activeRunId: active.id } : undefined,
  );
}

/**
 * Cancels a run. A queued one ends CANCELLED at once; a running one is marked, and its worker
 * (in whichever process) sees the mark within a second and aborts the engine: DuckDB is
 * interrupted, the sandbox killed; the run then ends CANCELLED with no output.
 */
export async function cancelPipelineRun(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; pipelineId: string; runId: string },
): Promise<void> {
  authorizeStudy(author, 'pipeline:execute:assigned', { id: input.studyId });
  await ctx.database.tenant(author.orgId, async (tx) => {
    const found = await findRun(tx, author.orgId, input.pipelineId, input.runId, { forUpdate: true });
    if (!found || found.run.studyId !== input.studyId) throw notFound('Pipeline run');
    const { run } = found;
    if (run.status !== 'QUEUED' && run.status !== 'RUNNING') {
      throw new AppError('INVALID_STATE', `This run has already ended (${run.status}); there is nothing to cancel.`);
    }
    const now = new Date();
    await tx
      .update(pipelineRuns)
      .set(
        run.status === 'QUEUED'
          ? {
              status: 'CANCELLED',
              cancelRequestedAt: now,
              finishedAt: now,
              error: {
                message: `Cancelled by ${author.label} before it started`,
                step: null,
                path: null,
                kind: 'cancelled',
              },
            }
          : { cancelRequestedAt: now },
      )
      .where(eq(pipelineRuns.id, run.id));
    if (run.status === 'QUEUED') await notifyRunChanged(tx, run.id);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'pipeline_run.cancelled',
      resourceType: 'pipeline_run',
      resourceId: run.id,
      oldValues: { status: run.status },
      newValues: { status: run.status === 'QUEUED' ? 'CANCELLED' : 'CANCELLING', pipelineId: run.pipelineId },
    });
  });
}
