import type { PipelineRunTrigger } from '@cdp/contracts';
import { pipelineRunLogs, pipelineRuns, type RawRow, rowOf, type Tx } from '@cdp/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { appendAuditCtes, lockAuditHeadCte, lockedHeadOf } from '../audit/audit-batch.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { pipelineRunLabel } from '../audit/resource-label.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueInTransaction } from '../jobs/enqueue.ts';
import { JOB_CHANNEL } from '../jobs/job-wakeup.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { notifyRunChanged } from '../pipelines/run-changes.ts';
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
 * from their inserts, and the audit event's label from the pipeline just read. Four round trips
 * besides BEGIN and COMMIT where it took nine: the pipeline locked with the run, its first line and
 * the audit head; the job; the audit event with the workers' wake-up.
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
  // The system (triggers, schedules) acts for the study's people: it holds no grants of its own.
  if (author.type !== 'system') authorizeStudy(author, 'pipeline:execute:assigned', { id: input.studyId });
  const orgId = author.orgId;
  // ONE statement locks the pipeline (found in the study and the organization: 404 otherwise),
  // queues its run, writes the run's first line and locks the audit chain's head after the
  // pipeline (the order every command keeps). A run already queued or running makes the run's
  // insert nothing (the index `pipeline_runs_one_active` decides, also between two requests at
  // once: the second waits for the first's lock); the active run is then named in the 409.
  const found = await tx.execute<{
    name: string;
    version: number;
    run_row: RawRow | null;
    requester_name: string | null;
    line_row: RawRow | null;
    active_id: string | null;
    active_status: string | null;
    seq: string;
    hash: string;
    now: string;
  }>(sql`with locked as (
      select id, name, version from pipelines
      where org_id = ${orgId} and study_id = ${input.studyId} and id = ${input.pipelineId}
      for update
    ), run_row as (
      insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger, requested_by)
      select ${orgId}::uuid, ${input.studyId}::uuid, locked.id, locked.version, 'QUEUED', ${input.trigger}::text,
        ${userIdOf(author)}::uuid
      from locked
      on conflict (pipeline_id) where status in ('QUEUED', 'RUNNING') do nothing
      returning *
    ), line_row as (
      insert into pipeline_run_logs (org_id, run_id, seq, level, message)
      select ${orgId}::uuid, run_row.id, 1, 'info',
        format('Queued (%s) by %s: %s, version %s', ${input.trigger}::text, ${author.label}::text, locked.name, locked.version)
      from run_row, locked
      returning *
    ), ${lockAuditHeadCte(orgId, 'locked')}
    select locked.name, locked.version,
      (select row_to_json(r) from run_row r) as run_row,
      (select u.name from users u join run_row r on u.id = r.requested_by) as requester_name,
      (select row_to_json(l) from line_row l) as line_row,
      active.id as active_id, active.status as active_status,
      audit_head.seq, audit_head.hash, audit_head.now
    from locked cross join audit_head
    left join lateral (
      select a.id, a.status from pipeline_runs a
      where a.pipeline_id = locked.id and a.status in ('QUEUED', 'RUNNING') and not exists (select 1 from run_row)
      limit 1
    ) active on true`);
  const row = found.rows[0];
  if (!row) throw notFound('Pipeline');
  if (!row.run_row || !row.line_row) {
    if (row.active_id) throw alreadyActive(row.name, { id: row.active_id, status: row.active_status ?? 'QUEUED' });
    // The active run committed after this statement's snapshot (its insert waited for it): read it now.
    const [active] = await tx
      .select({ id: pipelineRuns.id, status: pipelineRuns.status })
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.pipelineId, input.pipelineId), inArray(pipelineRuns.status, ['QUEUED', 'RUNNING'])))
      .limit(1);
    throw alreadyActive(row.name, active ?? null);
  }
  const run = rowOf(pipelineRuns, row.run_row);
  const log = [rowOf(pipelineRunLogs, row.line_row)];
  const jobId = await enqueueInTransaction(
    tx,
    'pipelines.run',
    { orgId, runId: run.id },
    { singletonKey: run.id, notify: false },
  );
  // The audit event, and the workers' wake-up for the job (delivered at commit), in one round trip.
  const audit = appendAuditCtes(orgId, lockedHeadOf(row), [
    {
      orgId,
      author,
      action: 'pipeline_run.started',
      resourceType: 'pipeline_run',
      resourceId: run.id,
      resourceLabel: pipelineRunLabel(row.name, run.queuedAt),
      newValues: {
        pipelineId: run.pipelineId,
        pipeline: row.name,
        pipelineVersion: row.version,
        trigger: input.trigger,
        status: 'QUEUED',
      },
    },
  ]);
  await tx.execute(
    jobId ? sql`with ${audit} select pg_notify(${JOB_CHANNEL}, 'pipelines.run')` : sql`with ${audit} select 1`,
  );
  return {
    run: { run, requestedBy: run.requestedBy ? { id: run.requestedBy, name: row.requester_name ?? '' } : null },
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
