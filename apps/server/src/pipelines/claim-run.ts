import {
  datasets,
  dataVersions,
  pipelineOutputDatasets,
  pipelineOutputs,
  pipelineRuns,
  pipelines,
  pipelineVersions,
  type RawRow,
  rowOf,
} from '@cdp/db';
import { rawVersionData, sourceVersionOf, type VersionData } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { RUN_ID } from '../lib/process-run.ts';
import { phiOf, rowsIn } from '../repositories/dashboard-data.repo.ts';
import type { PipelineRunRow, PipelineVersionRow } from '../repositories/pipelines.repo.ts';
import type { InputReads } from './resolve-inputs.ts';

export interface Claimed {
  run: PipelineRunRow;
  version: PipelineVersionRow;
  study: { id: string; activeDataVersionId: string | null };
  /** The run's last log line so far (its log goes on after it). */
  seq: number;
  /** What the version's inputs name, read with the claim (`readInputs` reads the same for a preview). */
  inputs: InputReads;
}

/**
 * Takes a QUEUED run for this process (RUNNING, this worker, one more attempt) and reads what its
 * inputs name, in ONE call of `app_claim_pipeline_run` (migration 0024; it was ten statements in a
 * transaction); null when the run is not QUEUED any more, or its pipeline version or study is gone
 * (then it stays QUEUED, as before a claim). The call commits without waiting for the WAL flush
 * and announces the change to the run's event streams.
 */
export async function claimRun(ctx: AppContext, orgId: string, runId: string): Promise<Claimed | null> {
  let read: RawRow;
  try {
    read = await ctx.database.tenantCall('app_claim_pipeline_run', orgId, [runId, RUN_ID]);
  } catch (error) {
    // P0002: the run's pipeline version or study is gone; the call rolled back.
    if ((error as { code?: string }).code === 'P0002') return null;
    throw error;
  }
  if (!read.run_row) return null;
  const { last_seq: lastSeq, ...runRaw } = read.run_row as RawRow;
  const run = rowOf(pipelineRuns, runRaw);
  const version = rowOf(pipelineVersions, read.version_row as RawRow);
  const studyRaw = read.study_row as { id: string; active_data_version_id: string | null };
  const study = { id: studyRaw.id, activeDataVersionId: studyRaw.active_data_version_id };
  const upstream: InputReads['upstream'] = new Map();
  for (const raw of rowsIn(read.upstream_rows)) {
    const pipeline = raw.pipeline as RawRow | null;
    const output = raw.output as RawRow | null;
    const row = pipeline ? rowOf(pipelines, pipeline) : null;
    upstream.set(String(raw.pipeline_id), {
      pipeline: row
        ? { row, updatedBy: row.updatedBy ? { id: row.updatedBy, name: String(raw.updated_by_name ?? '') } : null }
        : null,
      output: output
        ? {
            output: rowOf(pipelineOutputs, output),
            pipelineName: String(raw.output_pipeline_name ?? ''),
            datasets: rowsIn(raw.datasets).map((d) => rowOf(pipelineOutputDatasets, d)),
          }
        : null,
    });
  }
  return {
    run,
    version,
    study,
    seq: Number(lastSeq ?? 0),
    inputs: { source: await sourceOf(ctx, orgId, study, read, version), upstream, phi: phiOf(read) },
  };
}

/** The active source version as stored, when an input reads a source dataset. */
async function sourceOf(
  ctx: AppContext,
  orgId: string,
  study: Claimed['study'],
  read: RawRow,
  version: PipelineVersionRow,
): Promise<VersionData | null> {
  const active = study.activeDataVersionId;
  if (!active || !version.inputs.some((input) => input.source.kind === 'dataset')) return null;
  const found = read.source_version_row as RawRow | null;
  if (found) {
    return sourceVersionOf(ctx, {
      version: rowOf(dataVersions, found),
      datasets: rowsIn(read.source_dataset_rows).map((d) => rowOf(datasets, d)),
      // Who made the version is not part of what a run reads.
      createdBy: null,
    });
  }
  // The active version is not a data version (`rawVersionData` then reads it as an output version).
  return rawVersionData(ctx, orgId, study.id, active);
}
