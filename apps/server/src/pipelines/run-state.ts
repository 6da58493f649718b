import type { PipelineRunLogLine } from '@cdp/contracts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { presentLogLine } from '../presenters/pipeline.ts';
import { listRuns, type RunWithActor, readRunState } from '../repositories/pipelines.repo.ts';

/** A run as stored now, with its log lines after `after`: what the run's page and its event stream read. */
export async function runState(
  ctx: AppContext,
  orgId: string,
  pipelineId: string,
  runId: string,
  after = 0,
): Promise<{ run: RunWithActor; log: PipelineRunLogLine[] }> {
  const { run, log } = await readRunState(ctx.database, orgId, pipelineId, runId, after);
  if (!run) throw notFound('Pipeline run');
  return { run, log: log.map(presentLogLine) };
}

export function runsOf(ctx: AppContext, orgId: string, pipelineId: string): Promise<RunWithActor[]> {
  return ctx.database.tenant(orgId, (tx) => listRuns(tx, orgId, pipelineId));
}
