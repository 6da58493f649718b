import type {
  Pipeline,
  PipelineOutputVersion,
  PipelineRun,
  PipelineRunLogLine,
  PipelineSummary,
  PipelineTriggers,
  PipelineVersionDetail,
  PipelineVersionEntry,
} from '@cdp/contracts';
import { outputSourceName } from '../data/output-version-data.ts';
import type {
  Named,
  OutputWithDatasets,
  PipelineRunLogRow,
  PipelineVersionRow,
  PipelineWithActor,
  RunWithActor,
} from '../repositories/pipelines.repo.ts';

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function presentRun({ run, requestedBy }: RunWithActor): PipelineRun {
  return {
    id: run.id,
    pipelineId: run.pipelineId,
    pipelineVersion: run.pipelineVersion,
    status: run.status,
    trigger: run.trigger,
    progress: run.progress ?? null,
    error: run.error ?? null,
    sourceVersionId: run.sourceVersionId,
    outputVersionId: run.outputVersionId,
    attempts: run.attempts,
    requestedBy,
    queuedAt: iso(run.queuedAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    cancelRequestedAt: isoOrNull(run.cancelRequestedAt),
  };
}

export function presentLogLine(row: PipelineRunLogRow): PipelineRunLogLine {
  return { seq: row.seq, at: iso(row.at), level: row.level, step: row.step, message: row.message };
}

export function presentPipelineSummary(found: PipelineWithActor, lastRun: RunWithActor | null): PipelineSummary {
  const { row } = found;
  return {
    id: row.id,
    studyId: row.studyId,
    name: row.name,
    description: row.description,
    kind: row.kind,
    version: row.version,
    triggers: row.triggers as PipelineTriggers,
    inputs: row.inputs,
    outputs: row.outputs,
    lastRun: lastRun ? presentRun(lastRun) : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    updatedBy: found.updatedBy,
  };
}

export function presentPipeline(
  found: PipelineWithActor,
  lastRun: RunWithActor | null,
  related: { upstream: Named[]; downstream: Named[]; latestOutputId: string | null },
): Pipeline {
  return { ...presentPipelineSummary(found, lastRun), body: found.row.body, ...related };
}

export function presentPipelineVersionEntry(v: {
  version: PipelineVersionRow;
  createdBy: Named | null;
}): PipelineVersionEntry {
  return {
    version: v.version.version,
    name: v.version.name,
    kind: v.version.kind,
    comment: v.version.comment,
    createdAt: iso(v.version.createdAt),
    createdBy: v.createdBy,
  };
}

export function presentPipelineVersion(v: {
  version: PipelineVersionRow;
  createdBy: Named | null;
}): PipelineVersionDetail {
  return {
    ...presentPipelineVersionEntry(v),
    description: v.version.description,
    body: v.version.body,
    inputs: v.version.inputs,
    outputs: v.version.outputs,
    triggers: v.version.triggers as PipelineTriggers,
  };
}

export function presentOutput(found: OutputWithDatasets): PipelineOutputVersion {
  const { output } = found;
  return {
    id: output.id,
    label: output.label,
    pipelineId: output.pipelineId,
    pipelineName: found.pipelineName,
    pipelineVersion: output.pipelineVersion,
    runId: output.runId,
    sourceVersionId: output.sourceVersionId,
    createdAt: iso(output.createdAt),
    datasets: found.datasets.map((d) => ({
      name: d.name,
      label: d.label,
      rows: d.rows,
      columns: d.columns.map((c) => ({
        ...c,
        type: c.type as PipelineOutputVersion['datasets'][number]['columns'][number]['type'],
      })),
      source: outputSourceName(found),
      format: 'parquet',
      sha256: d.sha256,
      bytes: d.bytes,
    })),
  };
}
