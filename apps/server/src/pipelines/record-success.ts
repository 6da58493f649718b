import { randomUUID } from 'node:crypto';
import type { PipelineRunProgress } from '@cdp/contracts';
import { pipelineOutputDatasets, pipelineOutputs, type RawRow, rowOf, type StoredColumn, type Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { appendAuditCtes, lockAuditHeadCte, lockedHeadOf } from '../audit/audit-batch.ts';
import { pipelineRunLabel } from '../audit/resource-label.ts';
import { systemAuthor } from '../auth/author.ts';
import type { PhiInputs } from '../phi/protect-version.ts';
import { phiOf, rowsIn } from '../repositories/dashboard-data.repo.ts';
import type { OutputWithDatasets } from '../repositories/pipelines.repo.ts';
import { recordDeliveries, targetsFor, webhookEventsCte, webhookTargetsSql } from '../webhooks/record-webhook-event.ts';
import { RUN_CHANNEL } from './run-changes.ts';
import type { OutputLineage } from './write-output-version.ts';

/** One checked dataset of the new output version, as its row records it. */
export interface OutputDatasetRecord {
  name: string;
  label: string | null;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  columns: StoredColumn[];
}

/** A log line with its place in the run's log (`RunReporter.lastRow`), written with the success. */
export interface RunLogRecord {
  seq: number;
  level: 'info' | 'warn' | 'error';
  step: number | null;
  message: string;
}

export interface RecordedSuccess {
  recorded: OutputWithDatasets;
  /** The study's PHI classes and sealed files: what sealing the new output reads, and whether it has work. */
  phi: PhiInputs;
  /**
   * The audit event and the webhook event of the success, and `line` (the run's last log line, with
   * the NOTIFY that wakes its event streams) when given: the transaction's second statement.
   */
  finish(line: RunLogRecord | null): Promise<void>;
}

/**
 * A run's success in its output's transaction, in two statements where it took fourteen (each a
 * round trip and a statement for drizzle to build on the run's path): the first marks the run
 * SUCCEEDED, records the output version and its datasets, locks the audit chain's head (after the
 * run's row, the order every command keeps), and reads what the rest needs: the run's audit label
 * (its pipeline's name now, as `resourceLabelFor` read it), the webhook endpoints, the study's PHI
 * classes and sealed files. `finish` writes the audit event, the webhook event and the last line.
 */
export async function recordSuccess(
  tx: Tx,
  lineage: OutputLineage,
  output: { id: string; label: string; createdAt: Date; datasets: OutputDatasetRecord[] },
  progress: PipelineRunProgress,
): Promise<RecordedSuccess> {
  const { orgId, studyId, runId } = lineage;
  const datasets = output.datasets.map((d) => ({
    org_id: orgId,
    study_id: studyId,
    output_id: output.id,
    name: d.name,
    label: d.label,
    rows: d.rows,
    columns: d.columns,
    file: d.file,
    sha256: d.sha256,
    bytes: d.bytes,
  }));
  const found = await tx.execute<{
    output_row: RawRow;
    dataset_rows: RawRow[];
    seq: string;
    hash: string;
    now: string;
    pipeline_name: string;
    queued_at: Date | string;
    targets: { id: string; events: string[] }[];
    phi_rows: RawRow[];
    sealed_rows: RawRow[];
  }>(sql`with locked as (
      update pipeline_runs set status = 'SUCCEEDED', output_version_id = ${output.id},
        source_version_id = ${lineage.sourceVersionId}, finished_at = ${new Date().toISOString()}::timestamptz,
        progress = ${JSON.stringify(progress)}::jsonb
      where org_id = ${orgId} and id = ${runId}
      returning pipeline_id, queued_at
    ), output_row as (
      insert into pipeline_outputs (id, org_id, study_id, pipeline_id, pipeline_version, run_id, source_version_id,
        upstream_output_ids, label, created_at)
      values (${output.id}, ${orgId}, ${studyId}, ${lineage.pipelineId}, ${lineage.pipelineVersion}, ${runId},
        ${lineage.sourceVersionId}, ${JSON.stringify(lineage.upstreamOutputIds)}::jsonb, ${output.label},
        ${output.createdAt.toISOString()}::timestamptz)
      returning *
    ), dataset_rows as (
      insert into pipeline_output_datasets (org_id, study_id, output_id, name, label, rows, columns, file, sha256, bytes)
      select org_id, study_id, output_id, name, label, rows, columns, file, sha256, bytes
      from json_populate_recordset(null::pipeline_output_datasets, ${JSON.stringify(datasets)}::json)
      returning *
    ), ${lockAuditHeadCte(orgId, 'locked')}
    select (select row_to_json(o) from output_row o) as output_row,
      (select coalesce(json_agg(d), '[]'::json) from dataset_rows d) as dataset_rows,
      audit_head.seq, audit_head.hash, audit_head.now,
      (select p.name from pipelines p where p.id = locked.pipeline_id) as pipeline_name, locked.queued_at,
      ${webhookTargetsSql(orgId)} as targets,
      (select coalesce(json_agg(json_build_object('dataset', c.dataset, 'column', c."column",
          'classification', c.classification)), '[]'::json)
        from phi_columns c where c.org_id = ${orgId} and c.study_id = ${studyId}) as phi_rows,
      (select coalesce(json_agg(f), '[]'::json) from phi_sealed_files f
        where f.org_id = ${orgId} and f.study_id = ${studyId}) as sealed_rows
    from locked, audit_head`);
  const row = found.rows[0];
  if (!row?.output_row) throw new Error(`run ${runId} was not found to record its output ${output.id}`);
  const recorded: OutputWithDatasets = {
    output: rowOf(pipelineOutputs, row.output_row),
    pipelineName: lineage.pipelineName,
    datasets: rowsIn(row.dataset_rows).map((raw) => rowOf(pipelineOutputDatasets, raw)),
  };
  const finish = async (line: RunLogRecord | null) => {
    const event = { id: randomUUID(), type: 'pipeline.run.succeeded' as const };
    const audit = appendAuditCtes(orgId, lockedHeadOf(row), [
      {
        orgId,
        author: systemAuthor(orgId),
        action: 'pipeline_run.succeeded',
        resourceType: 'pipeline_run',
        resourceId: runId,
        resourceLabel: pipelineRunLabel(row.pipeline_name, row.queued_at),
        oldValues: { status: 'RUNNING' },
        newValues: {
          status: 'SUCCEEDED',
          pipelineId: lineage.pipelineId,
          pipelineVersion: lineage.pipelineVersion,
          outputVersionId: output.id,
          label: output.label,
          sourceVersionId: lineage.sourceVersionId,
          datasets: output.datasets.map((d) => ({ name: d.name, rows: d.rows, sha256: d.sha256 })),
        },
      },
    ]);
    const webhook = webhookEventsCte(orgId, [
      {
        ...event,
        data: {
          runId,
          studyId,
          pipelineId: lineage.pipelineId,
          pipelineName: lineage.pipelineName,
          pipelineVersion: lineage.pipelineVersion,
          outputVersionId: output.id,
          label: output.label,
          datasets: output.datasets.map((d) => ({ name: d.name, rows: d.rows })),
        },
      },
    ]);
    // The line's write wakes the run's event streams (delivered at commit), so a stream ends with it sent.
    await tx.execute(
      line
        ? sql`with ${audit}, ${webhook}, line_row as (
            insert into pipeline_run_logs (org_id, run_id, seq, level, step, message)
            values (${orgId}, ${runId}, ${line.seq}, ${line.level}, ${line.step}, ${line.message})
          ) select pg_notify(${RUN_CHANNEL}, ${runId})`
        : sql`with ${audit}, ${webhook} select 1`,
    );
    // Deliveries (and their jobs) only for endpoints subscribed to the event.
    await recordDeliveries(tx, orgId, event.id, targetsFor(row.targets, event.type));
  };
  return { recorded, phi: phiOf({ phi_rows: row.phi_rows, sealed_rows: row.sealed_rows }), finish };
}
