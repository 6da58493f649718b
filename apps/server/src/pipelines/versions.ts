import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { findPipelineVersion, listPipelineVersions } from '../repositories/pipelines.repo.ts';

export function pipelineVersionsOf(ctx: AppContext, orgId: string, pipelineId: string) {
  return ctx.database.tenant(orgId, (tx) => listPipelineVersions(tx, orgId, pipelineId));
}

/** One saved version of a pipeline already authorized, or 404 naming it. */
export async function pipelineVersionOf(ctx: AppContext, orgId: string, pipelineId: string, version: number) {
  const found = await ctx.database.tenant(orgId, (tx) => findPipelineVersion(tx, orgId, pipelineId, version));
  if (!found) throw notFound(`Pipeline version ${version}`);
  return found;
}
