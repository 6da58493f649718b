import type { Permission } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import {
  findOutput,
  findPipeline,
  findRun,
  type OutputWithDatasets,
  type PipelineRunLogRow,
  type PipelineWithActor,
  type RunWithActor,
  readRunInStudy,
} from '../repositories/pipelines.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { type Grantee, heldOf } from './can.ts';
import { authorizeStudy, studyFor } from './study.ts';

const PIPELINE_PERMISSIONS = [
  'pipeline:view:assigned',
  'pipeline:configure:assigned',
  'pipeline:execute:assigned',
  'data:view:assigned',
] as const satisfies readonly Permission[];

/** A pipeline is its study's: the study decides who may see, configure or run it. */
export async function pipelineFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; pid: string },
  permission: Permission,
): Promise<{ study: StudyRow; pipeline: PipelineWithActor }> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const pipeline = await ctx.database.tenant(actor.orgId, (tx) => findPipeline(tx, actor.orgId, study.id, params.pid));
  if (!pipeline) throw notFound('Pipeline');
  return { study, pipeline };
}

/** Inside a command's transaction: the pipeline locked FOR UPDATE, after the same decision. */
export async function lockedPipelineFor(
  tx: Tx,
  author: Author,
  params: { studyId: string; pipelineId: string },
  permission: Permission,
): Promise<PipelineWithActor> {
  // The system (triggers, schedules) acts for the study's people: it holds no grants of its own.
  if (author.type !== 'system') authorizeStudy(author, permission, { id: params.studyId });
  const found = await findPipeline(tx, author.orgId, params.studyId, params.pipelineId, { forUpdate: true });
  if (!found) throw notFound('Pipeline');
  return found;
}

/** A run of a pipeline of the study. */
export async function runFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; pid: string; rid: string },
  permission: Permission,
): Promise<{ study: StudyRow; pipeline: PipelineWithActor; run: RunWithActor }> {
  const study = await studyFor(ctx, actor, params.id, permission);
  // The pipeline and its run in one transaction.
  const found = await ctx.database.tenant(actor.orgId, async (tx) => {
    const pipeline = await findPipeline(tx, actor.orgId, study.id, params.pid);
    const run = pipeline ? await findRun(tx, actor.orgId, pipeline.row.id, params.rid) : null;
    return pipeline ? { pipeline, run } : null;
  });
  if (!found) throw notFound('Pipeline');
  if (!found.run) throw notFound('Pipeline run');
  return { study, pipeline: found.pipeline, run: found.run };
}

/**
 * A run of a pipeline of the study with its log lines after `after`, in ONE round trip
 * (`readRunInStudy`): what a run's page and its event stream's first read need, decided as `runFor`
 * decides (404 for an unknown study, then the study's permission, then 404 for an unknown pipeline
 * or run). `runFor` took two transactions and a third read for the state.
 */
export async function runStateFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; pid: string; rid: string },
  permission: Permission,
  after = 0,
): Promise<{ run: RunWithActor; log: PipelineRunLogRow[] }> {
  const found = await readRunInStudy(
    ctx.database,
    actor.orgId,
    { studyId: params.id, pipelineId: params.pid, runId: params.rid },
    after,
  );
  if (!found.study) throw notFound('Study');
  authorizeStudy(actor, permission, { id: params.id });
  if (!found.pipeline) throw notFound('Pipeline');
  if (!found.run) throw notFound('Pipeline run');
  return { run: found.run, log: found.log };
}

/** An output version of the study. */
export async function outputFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; oid: string },
  permission: Permission,
): Promise<{ study: StudyRow; output: OutputWithDatasets }> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const output = await ctx.database.tenant(actor.orgId, (tx) => findOutput(tx, actor.orgId, study.id, params.oid));
  if (!output) throw notFound('Pipeline output');
  return { study, output };
}

/** The `pipeline:*` permissions (and `data:view`, for the outputs' datasets) the caller holds on a study. */
export function pipelinePermissions(who: Grantee, studyId: string): string[] {
  return heldOf(who, PIPELINE_PERMISSIONS, studyId);
}
