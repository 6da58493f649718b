import type { PipelineRunTrigger } from '@cdp/contracts';
import { pipelineRunLogs, pipelineRuns, type Tx, users } from '@cdp/db';
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { pipelineRunLabel } from '../audit/resource-label.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueInTransaction } from '../jobs/enqueue.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { notifyRunChanged } from '../pipelines/run-changes.ts';
import { lockedPipelineFor } from '../policies/pipeline.ts';
import { authorizeStudy } from '../policies/study.ts';
import { findRun, type PipelineRunLogRow, type RunWithActor } from '../repositories/pipelines.repo.ts';

/**
 * Queues a run of a pipeline's current version, inside one transaction with its job and audit
 * event. A pipeline has at most one run queued or running (a unique index says so even under a
 * race): a second request is a 409 naming the active run. Answers the run as its page reads it.
 *
 * The transaction holds only what must commit together, since a worker can take the run only
 * after its commit (a run's hand-off is this transaction plus the worker's wake-up): the study is
 * not read first (the pipeline is found in the study and the organization, and the study's
 * permission decided from the grants, as `studyFor` would), the run and its first line are answered
 * from their inserts, and the audit event's label from the pipeline just read.
 */
export async function queuePipelineRun(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; pipelineId: string; trigger: PipelineRunTrigger },
): Promise<{ run: RunWithActor; log: PipelineRunLogRow[] }> {
  return ctx.database.tenant(author.orgId, (tx) => queueRunIn(tx, author, input));
}

export async function queueRunIn(
  tx: Tx,
  author: Author,
  input: { studyId: string; pipelineId: string; trigger: PipelineRunTrigger },
): Promise<{ run: RunWithActor; log: PipelineRunLogRow[] }> {
  const { row: pipeline } = await lockedPipelineFor(
    tx,
    author,
    { studyId: input.studyId, pipelineId: input.pipelineId },
    'pipeline:execute:assigned',
  );
  // A run already queued or running makes this insert nothing (the index `pipeline_runs_one_active`
  // decides, also between two requests at once: the second waits for the first's commit).
  const [inserted] = await tx
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
    .onConflictDoNothing({ target: pipelineRuns.pipelineId, where: sql.raw(`status in ('QUEUED', 'RUNNING')`) })
    .returning({
      ...getTableColumns(pipelineRuns),
      requesterName: sql<
        string | null
      >`(select ${users.name} from ${users} where ${users.id} = ${pipelineRuns.requestedBy})`,
    });
  if (!inserted) {
    const [active] = await tx
      .select({ id: pipelineRuns.id, status: pipelineRuns.status })
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.pipelineId, pipeline.id), inArray(pipelineRuns.status, ['QUEUED', 'RUNNING'])))
      .limit(1);
    throw alreadyActive(pipeline.name, active ?? null);
  }
  const { requesterName, ...run } = inserted;
  const log = await tx
    .insert(pipelineRunLogs)
    .values({
      orgId: author.orgId,
      runId: run.id,
      seq: 1,
      level: 'info',
      message: `Queued (${input.trigger}) by ${author.label}: ${pipeline.name}, version ${pipeline.version}`,
    })
    .returning();
  await enqueueInTransaction(tx, 'pipelines.run', { orgId: author.orgId, runId: run.id }, { singletonKey: run.id });
  await appendAudit(tx, {
    orgId: author.orgId,
    author,
    action: 'pipeline_run.started',
    resourceType: 'pipeline_run',
    resourceId: run.id,
    resourceLabel: pipelineRunLabel(pipeline.name, run.queuedAt),
    newValues: {
      pipelineId: pipeline.id,
      pipeline: pipeline.name,
      pipelineVersion: pipeline.version,
      trigger: input.trigger,
      status: 'QUEUED',
    },
  });
  return {
    run: { run, requestedBy: run.requestedBy ? { id: run.requestedBy, name: requesterName ?? '' } : null },
    log,
  };
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
