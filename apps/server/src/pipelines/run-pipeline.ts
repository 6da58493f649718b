import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PipelineRunError } from '@cdp/contracts';
import { pipelineRuns, type Tx } from '@cdp/db';
import { PipelineDefinitionError } from '@cdp/pipelines';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import { outputVersionFrom } from '../data/output-version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { RUN_ID, runTempName } from '../lib/process-run.ts';
import { studyDir } from '../lib/study-folders.ts';
import { type PhiInputs, PIPELINE_ENGINE } from '../phi/protect-version.ts';
import { sealNewOutput } from '../phi/seal-files.ts';
import type { PipelineRunRow, PipelineVersionRow } from '../repositories/pipelines.repo.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import { claimRun } from './claim-run.ts';
import { engineOf } from './executors.ts';
import { recordSuccess } from './record-success.ts';
import { resolveInputs } from './resolve-inputs.ts';
import { notifyRunChanged } from './run-changes.ts';
import { RunReporter } from './run-reporter.ts';
import { queueDownstream } from './triggers.ts';
import { writeOutputVersion } from './write-output-version.ts';

/** pg-boss retries an infrastructure failure this often, with backoff; a definition error never. */
export const RUN_RETRY = { limit: 2, delaySeconds: 5, backoff: true };
/** How often a running run writes progress and its heartbeat, and looks for a cancel. */
export const RUN_TICK_MS = 400;

class RunCancelled extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'RunCancelled';
  }
}

/** Ends a run (not SUCCEEDED: that is written with its output) with its audit event, in one transaction. */
export async function endRun(
  tx: Tx,
  run: Pick<PipelineRunRow, 'id' | 'orgId' | 'pipelineId' | 'pipelineVersion' | 'status'>,
  status: 'FAILED' | 'CANCELLED' | 'QUEUED',
  error: PipelineRunError,
  /** The source version the run had read, when it got that far (recorded with its end). */
  ended: { sourceVersionId?: string | null } = {},
): Promise<void> {
  await tx
    .update(pipelineRuns)
    .set({
      status,
      error,
      ...(ended.sourceVersionId ? { sourceVersionId: ended.sourceVersionId } : {}),
      ...(status === 'QUEUED' ? { workerId: null } : { finishedAt: new Date() }),
    })
    .where(eq(pipelineRuns.id, run.id));
  await notifyRunChanged(tx, run.id);
  if (status === 'QUEUED') return;
  await appendAudit(tx, {
    orgId: run.orgId,
    author: systemAuthor(run.orgId),
    action: status === 'FAILED' ? 'pipeline_run.failed' : 'pipeline_run.cancelled',
    resourceType: 'pipeline_run',
    resourceId: run.id,
    oldValues: { status: run.status },
    newValues: { status, pipelineId: run.pipelineId, pipelineVersion: run.pipelineVersion, error },
  });
  if (status === 'FAILED') {
    await recordWebhookEvent(tx, run.orgId, 'pipeline.run.failed', {
      runId: run.id,
      pipelineId: run.pipelineId,
      pipelineVersion: run.pipelineVersion,
      error,
    });
  }
}

/** Whether sealing a new output may have work: some column of the study is classified PHI. */
function hasPhiColumns(phi: PhiInputs): boolean {
  return [...phi.classes.values()].includes('phi');
}

function stepOf(issues: { path: string }[]): number | null {
  const match = /steps\[(\d+)\]/.exec(issues[0]?.path ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * The `pipelines.run` job: runs one queued run in this process. The engine of the pipeline's kind
 * reads the inputs' Parquet files and writes its outputs into a folder of its own; progress and
 * log lines go to the database as they come; a cancel (asked in any process) aborts the engine.
 * A definition error fails the run at once; an infrastructure error puts it back in the queue
 * (rethrown, so pg-boss retries it with backoff) until the last attempt, which fails it.
 */
export async function runPipeline(
  ctx: AppContext,
  payload: { orgId: string; runId: string },
): Promise<{ runId: string; status: string }> {
  const claimed = await claimRun(ctx, payload.orgId, payload.runId);
  if (!claimed) return { runId: payload.runId, status: 'not queued' };
  const { run, version, study } = claimed;
  const reporter = new RunReporter(ctx, run.orgId, run.id, claimed.seq);
  const controller = new AbortController();
  const work = path.join(
    studyDir(ctx.config.dataDir, run.orgId, run.studyId),
    'temp',
    runTempName(`pipeline-run-${run.id}`),
  );
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    reporter
      .tick()
      .then((cancel) => {
        if (cancel && !controller.signal.aborted) controller.abort(new RunCancelled());
      })
      .catch((error: unknown) => ctx.log.warn({ err: error, runId: run.id }, 'pipeline run heartbeat failed'))
      .finally(() => {
        ticking = false;
      });
  }, RUN_TICK_MS);
  const started = Date.now();
  let sourceVersionId: string | null = null;
  try {
    reporter.log({
      level: 'info',
      message: `Started (attempt ${run.attempts}) on worker ${RUN_ID.slice(0, 8)}: ${version.name}, version ${version.version} (${version.kind})`,
    });
    const engine = engineOf(version.kind);
    if (!engine) {
      throw new PipelineDefinitionError([
        { path: 'kind', message: `this server has no engine for ${version.kind} pipelines` },
      ]);
    }
    // Where a run's time goes, in its last log line: the inputs found (and cleared copies made),
    // the engine, the output version written and recorded.
    const phases: string[] = [];
    let phaseStarted = performance.now();
    const phase = (name: string) => {
      phases.push(`${name} ${Math.round(performance.now() - phaseStarted)} ms`);
      phaseStarted = performance.now();
    };
    // The output version's own parts, so its fixed cost can be read from the log too.
    const parts: string[] = [];
    let partStarted = performance.now();
    const part = (name: string, ms?: number) => {
      // A part that overlapped the others (the files' flushes) comes with its own time.
      if (ms !== undefined) {
        parts.push(`${name} ${ms} ms`);
        return;
      }
      parts.push(`${name} ${Math.round(performance.now() - partStarted)} ms`);
      partStarted = performance.now();
    };
    const resolved = await resolveInputs(ctx, run.orgId, study, version.inputs, PIPELINE_ENGINE, {
      clearCopiesIn: `${work}.inputs`,
      read: claimed.inputs,
    });
    if (resolved.issues.length > 0) throw new PipelineDefinitionError(resolved.issues);
    // Recorded with the run's end (its success or failure), not in a transaction of its own here.
    sourceVersionId = resolved.sourceVersionId;
    for (const input of resolved.inputs)
      reporter.log({ level: 'info', message: `Input ${input.name}: ${path.basename(input.path)}` });
    await mkdir(work, { recursive: true });
    phase('inputs');
    const result = await engine.execute({
      kind: version.kind,
      body: version.body,
      inputs: resolved.inputs,
      outputDir: work,
      signal: controller.signal,
      onProgress: (p) => reporter.setProgress(p),
      onLog: (line) => reporter.log(line),
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    clearInterval(timer);
    phase('engine');
    partStarted = performance.now();
    // The engine's last lines are written while the outputs are checked, not after.
    const earlierLines = reporter.drain();
    /** The run's last line: where its time went. */
    const succeeded = (label: string, sealing: string) => {
      phase('output version');
      return `Succeeded in ${((Date.now() - started) / 1000).toFixed(1)} s (${phases.join(', ')}; of the output version: ${[...parts, sealing].join(', ')}): output version ${label}`;
    };
    /** The study's PHI classes and sealed files, read in the output's transaction. */
    const sealing: { phi?: PhiInputs } = {};
    const lineage = {
      orgId: run.orgId,
      studyId: run.studyId,
      runId: run.id,
      pipelineId: run.pipelineId,
      pipelineName: version.name,
      pipelineVersion: version.version,
      sourceVersionId: resolved.sourceVersionId,
      upstreamOutputIds: resolved.upstreamOutputIds,
    };
    const output = await writeOutputVersion(
      ctx,
      lineage,
      { workDir: work, declared: version.outputs, result, part },
      async (tx, made) => {
        const last = reporter.lastProgress;
        // No NOTIFY with the status: event streams learn of the success from the run's last log
        // line (its write announces it), so a stream ends with that line sent, not just before it.
        const success = await recordSuccess(
          tx,
          lineage,
          { id: made.id, label: made.label, createdAt: made.createdAt, datasets: made.datasets },
          {
            step: last?.steps ?? 1,
            steps: last?.steps ?? 1,
            percent: 100,
            rows: last?.rows ?? null,
            message: 'Done',
          },
        );
        // Sealing reads the study's PHI classes; read with the success, they also say whether there
        // is anything to seal. With no column classified PHI there is not, and the run's last line
        // is written here too: the success, its line and the stream's wake-up commit together (one
        // transaction a run less, and one commit less before a user sees it).
        sealing.phi = success.phi;
        if (hasPhiColumns(success.phi)) {
          await success.finish(null);
          return success.recorded;
        }
        // The files were flushed and renamed while the statement above ran; the line says how long.
        await made.placed;
        await earlierLines;
        parts.push(`rows ${Math.round(performance.now() - partStarted)} ms`);
        await success.finish(await reporter.lastRow({ level: 'info', message: succeeded(made.label, 'sealing 0 ms') }));
        return success.recorded;
      },
    );
    if (sealing.phi && hasPhiColumns(sealing.phi)) {
      // An output carrying a column classified PHI (DM → DM_CLEAN keeps BRTHDTC) is sealed at once.
      await sealNewOutput(ctx, outputVersionFrom(ctx, output.recorded), sealing.phi);
      part('sealing');
      reporter.log({ level: 'info', message: succeeded(output.label, parts.pop() ?? '') }, { announce: true });
      await reporter.drain();
    }
    await queueDownstream(ctx, { orgId: run.orgId, studyId: run.studyId, pipelineId: run.pipelineId }).catch(
      (error: unknown) => ctx.log.error({ err: error, runId: run.id }, 'queueing downstream pipelines failed'),
    );
    return { runId: run.id, status: 'SUCCEEDED' };
  } catch (error) {
    clearInterval(timer);
    // The run's files go before it is marked ended: once a user or a test sees FAILED or CANCELLED
    // ("it left no output version and no files"), none is left (the `finally` removing them raced it).
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    return await failRun(ctx, reporter, claimed.run, version, error, {
      aborted: controller.signal.aborted,
      sourceVersionId,
    });
  } finally {
    clearInterval(timer);
    await reporter.drain();
    await rm(work, { recursive: true, force: true });
    // Clear copies of inputs whose PHI is sealed at rest live only for the run.
    await rm(`${work}.inputs`, { recursive: true, force: true });
  }
}

async function failRun(
  ctx: AppContext,
  reporter: RunReporter,
  run: PipelineRunRow,
  version: PipelineVersionRow,
  error: unknown,
  { aborted, sourceVersionId }: { aborted: boolean; sourceVersionId: string | null },
): Promise<{ runId: string; status: string }> {
  const ended = { sourceVersionId };
  if (aborted || error instanceof RunCancelled) {
    reporter.log({ level: 'warn', message: 'Cancelled: the work was stopped and nothing was kept' });
    await reporter.drain();
    await ctx.database.tenant(run.orgId, (tx) =>
      endRun(
        tx,
        run,
        'CANCELLED',
        {
          message: 'Cancelled',
          step: reporter.lastProgress ? reporter.lastProgress.step - 1 : null,
          path: null,
          kind: 'cancelled',
        },
        ended,
      ),
    );
    return { runId: run.id, status: 'CANCELLED' };
  }
  if (error instanceof PipelineDefinitionError) {
    const step = stepOf(error.issues);
    reporter.log({ level: 'error', ...(step === null ? {} : { step }), message: error.message });
    await reporter.drain();
    await ctx.database.tenant(run.orgId, (tx) =>
      endRun(
        tx,
        run,
        'FAILED',
        {
          message: error.message,
          step,
          path: error.issues[0]?.path ?? null,
          kind: 'definition',
        },
        ended,
      ),
    );
    return { runId: run.id, status: 'FAILED' };
  }
  const message = error instanceof Error ? error.message : String(error);
  const last = run.attempts >= RUN_RETRY.limit + 1;
  reporter.log({
    level: 'error',
    message: last
      ? `Failed on attempt ${run.attempts} of ${RUN_RETRY.limit + 1}: ${message}`
      : `Attempt ${run.attempts} of ${RUN_RETRY.limit + 1} failed (${message}); it will be retried`,
  });
  await reporter.drain();
  const kind: PipelineRunError['kind'] = 'infrastructure';
  await ctx.database.tenant(run.orgId, (tx) =>
    endRun(tx, run, last ? 'FAILED' : 'QUEUED', { message, step: null, path: null, kind }, ended),
  );
  ctx.log.warn({ err: error, runId: run.id, pipeline: version.name }, `pipeline run attempt ${run.attempts} failed`);
  if (last) return { runId: run.id, status: 'FAILED' };
  // Thrown on: the queue retries it with backoff, and the run (QUEUED again) is claimed anew.
  throw error;
}
