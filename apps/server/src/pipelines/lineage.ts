import type { DatasetLineage, LineageNode } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';
import { findVersion } from '../repositories/data-versions.repo.ts';
import { findOutput, findPipelineVersion, findRun } from '../repositories/pipelines.repo.ts';

/** Chains longer than this are cut (they cannot be cyclic, but a study may have many steps). */
const MAX_DEPTH = 20;

/**
 * "Where does this dataset come from": from an output version back through its run and pipeline
 * version to the source version it read, and through upstream pipelines' outputs likewise.
 */
export async function lineageOf(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  outputId: string,
): Promise<DatasetLineage> {
  const nodes = new Map<string, LineageNode>();
  const edges: DatasetLineage['edges'] = [];
  const edge = (from: string, to: string, datasets: string[] = []) => {
    if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, datasets });
  };

  await ctx.database.tenant(orgId, async (tx) => {
    const visit = async (id: string, depth: number): Promise<string | null> => {
      const key = `output:${id}`;
      if (nodes.has(key)) return key;
      const found = await findOutput(tx, orgId, studyId, id);
      if (!found) return null;
      const { output } = found;
      nodes.set(key, {
        key,
        kind: 'output_version',
        id: output.id,
        label: `${found.pipelineName} output ${output.label}`,
        detail: {
          label: output.label,
          createdAt: output.createdAt.toISOString(),
          datasets: found.datasets.map((d) => d.name),
        },
      });
      const runKey = `run:${output.runId}`;
      const run = await findRun(tx, orgId, output.pipelineId, output.runId);
      nodes.set(runKey, {
        key: runKey,
        kind: 'run',
        id: output.runId,
        label: `Run of ${run?.run.queuedAt.toISOString() ?? 'unknown time'}`,
        detail: {
          status: run?.run.status ?? null,
          trigger: run?.run.trigger ?? null,
          startedAt: run?.run.startedAt?.toISOString() ?? null,
          finishedAt: run?.run.finishedAt?.toISOString() ?? null,
          requestedBy: run?.requestedBy?.name ?? null,
        },
      });
      edge(
        runKey,
        key,
        found.datasets.map((d) => d.name),
      );
      const pipelineKey = `pipeline:${output.pipelineId}@${output.pipelineVersion}`;
      const version = await findPipelineVersion(tx, orgId, output.pipelineId, output.pipelineVersion);
      nodes.set(pipelineKey, {
        key: pipelineKey,
        kind: 'pipeline_version',
        id: output.pipelineId,
        label: `${version?.version.name ?? found.pipelineName}, version ${output.pipelineVersion}`,
        detail: { version: output.pipelineVersion, kind: version?.version.kind ?? null, pipelineId: output.pipelineId },
      });
      edge(pipelineKey, runKey);
      const inputs = version?.version.inputs ?? [];
      if (output.sourceVersionId) {
        const sourceKey = `source:${output.sourceVersionId}`;
        if (!nodes.has(sourceKey)) {
          const source = await findVersion(tx, orgId, studyId, output.sourceVersionId);
          nodes.set(sourceKey, {
            key: sourceKey,
            kind: 'source_version',
            id: output.sourceVersionId,
            label: source
              ? `Source version ${source.version.label} (${source.version.sourceFileName})`
              : 'Source version',
            detail: { label: source?.version.label ?? null, datasets: source?.datasets.map((d) => d.name) ?? [] },
          });
        }
        edge(
          sourceKey,
          pipelineKey,
          inputs.flatMap((i) => (i.source.kind === 'dataset' ? [i.source.dataset] : [])),
        );
      }
      if (depth >= MAX_DEPTH) return key;
      for (const upstreamId of output.upstreamOutputIds) {
        const upstreamKey = await visit(upstreamId, depth + 1);
        if (upstreamKey)
          edge(
            upstreamKey,
            pipelineKey,
            inputs.flatMap((i) => (i.source.kind === 'pipeline' ? [i.source.output] : [])),
          );
      }
      return key;
    };
    await visit(outputId, 0);
  });
  return { root: `output:${outputId}`, nodes: [...nodes.values()], edges };
}
