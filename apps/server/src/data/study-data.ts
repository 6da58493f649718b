import { pipelineOutputDatasets, pipelineOutputs, pipelines, type Tx } from '@cdp/db';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import { protectVersion, SCHEMA_ONLY } from '../phi/protect-version.ts';
import { outputDatasetFile } from './output-version-data.ts';
import type { VersionData, VersionDataset } from './version-data.ts';

/**
 * What dashboards read: the study's active source version, plus the datasets of each pipeline's
 * latest output version under their own names (`dm_clean`), each labelled with where it came from.
 * A source dataset keeps its name when an output has the same one. The cache key names every
 * version involved, so a new output never answers from an older one's cached results.
 */
export async function withPipelineOutputs(ctx: AppContext, version: VersionData): Promise<VersionData> {
  const outputs = await ctx.database.tenant(version.orgId, (tx) =>
    readPipelineOutputs(tx, version.orgId, version.studyId),
  );
  if (outputs.rows.length === 0) return version;
  // The outputs' columns are classified (and masked) as the source's are, by dataset and column name.
  return protectVersion(ctx, mergePipelineOutputs(ctx, version, outputs), version.access ?? SCHEMA_ONLY);
}

/** Each pipeline's latest output of the study and their datasets: `withPipelineOutputs`' reads, in the caller's transaction. */
export async function readPipelineOutputs(tx: Tx, orgId: string, studyId: string) {
  const rows = await tx
    .selectDistinctOn([pipelineOutputs.pipelineId], {
      output: pipelineOutputs,
      pipelineName: pipelines.name,
    })
    .from(pipelineOutputs)
    .innerJoin(pipelines, eq(pipelines.id, pipelineOutputs.pipelineId))
    .where(and(eq(pipelineOutputs.orgId, orgId), eq(pipelineOutputs.studyId, studyId)))
    .orderBy(pipelineOutputs.pipelineId, desc(pipelineOutputs.createdAt));
  if (rows.length === 0) return { rows, datasets: [] };
  const outputIds = rows.map((r) => r.output.id);
  const datasets = await tx
    .select()
    .from(pipelineOutputDatasets)
    .where(and(eq(pipelineOutputDatasets.orgId, orgId), inArray(pipelineOutputDatasets.outputId, outputIds)));
  return { rows, datasets };
}

export type PipelineOutputsRead = Awaited<ReturnType<typeof readPipelineOutputs>>;

/**
 * The version with the outputs' datasets added and the cache key naming every version involved.
 * Not yet protected: the caller classifies the merged version (`protectVersion`).
 */
export function mergePipelineOutputs(ctx: AppContext, version: VersionData, outputs: PipelineOutputsRead): VersionData {
  const { orgId, studyId } = version;
  const { rows, datasets } = outputs;
  if (rows.length === 0) return version;
  const outputIds = rows.map((r) => r.output.id);
  const merged = new Map<string, VersionDataset>(version.datasets);
  // Newest outputs first: of two pipelines saving the same name, the later output is shown.
  const newestFirst = [...rows].sort((a, b) => b.output.createdAt.getTime() - a.output.createdAt.getTime());
  for (const { output, pipelineName } of newestFirst) {
    for (const d of datasets.filter((x) => x.outputId === output.id)) {
      const key = d.name.toUpperCase();
      if (merged.has(key)) continue;
      merged.set(key, {
        name: d.name,
        label: d.label,
        rows: d.rows,
        file: outputDatasetFile(ctx.config.dataDir, output, d.file),
        columns: d.columns.map((c) => ({
          name: c.name,
          label: c.label,
          type: c.type as VersionDataset['columns'][number]['type'],
        })),
        origin: {
          kind: 'pipeline_output',
          pipelineId: output.pipelineId,
          pipelineName,
          outputId: output.id,
          label: output.label,
        },
        row: {
          id: d.id,
          orgId,
          studyId,
          versionId: output.id,
          name: d.name,
          label: d.label,
          rows: d.rows,
          columns: d.columns,
          source: `pipeline ${pipelineName} (version ${output.pipelineVersion})`,
          format: 'parquet',
          file: d.file,
          sha256: d.sha256,
          bytes: d.bytes,
        },
      });
    }
  }
  return { ...version, datasets: merged, cacheKey: [version.id, ...outputIds.sort()].join('+') };
}
