import type { AppContext } from '../lib/context.ts';
import { listOutputs, type OutputWithDatasets } from '../repositories/pipelines.repo.ts';

export function outputsOf(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  pipelineId: string,
): Promise<OutputWithDatasets[]> {
  return ctx.database.tenant(orgId, (tx) => listOutputs(tx, orgId, studyId, { pipelineId }));
}
