import type { Pipeline, PipelineSummary } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';
import { presentPipeline, presentPipelineSummary } from '../presenters/pipeline.ts';
import { lastRuns, latestOutput, listPipelines, type PipelineWithActor } from '../repositories/pipelines.repo.ts';

/** A study's pipelines with each one's last run, for the list. */
export async function pipelineSummaries(ctx: AppContext, orgId: string, studyId: string): Promise<PipelineSummary[]> {
  return ctx.database.tenant(orgId, async (tx) => {
    const rows = await listPipelines(tx, orgId, studyId);
    const last = await lastRuns(
      tx,
      orgId,
      rows.map((r) => r.row.id),
    );
    return rows.map((r) => presentPipelineSummary(r, last.get(r.row.id) ?? null));
  });
}

/** One pipeline as its page shows it: last run, the pipelines it reads and that read it, its latest output. */
export async function pipelineView(ctx: AppContext, orgId: string, found: PipelineWithActor): Promise<Pipeline> {
  const { row } = found;
  return ctx.database.tenant(orgId, async (tx) => {
    const all = await listPipelines(tx, orgId, row.studyId);
    const last = await lastRuns(tx, orgId, [row.id]);
    const reads = new Set(row.inputs.flatMap((i) => (i.source.kind === 'pipeline' ? [i.source.pipelineId] : [])));
    const upstream = all.filter((p) => reads.has(p.row.id)).map((p) => ({ id: p.row.id, name: p.row.name }));
    const downstream = all
      .filter((p) => p.row.inputs.some((i) => i.source.kind === 'pipeline' && i.source.pipelineId === row.id))
      .map((p) => ({ id: p.row.id, name: p.row.name }));
    const output = await latestOutput(tx, orgId, row.studyId, row.id);
    return presentPipeline(found, last.get(row.id) ?? null, {
      upstream,
      downstream,
      latestOutputId: output?.output.id ?? null,
    });
  });
}
