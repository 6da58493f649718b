import path from 'node:path';
import type { DatasetColumnType } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';
import { studyDir } from '../lib/study-folders.ts';
import type { OutputWithDatasets } from '../repositories/pipelines.repo.ts';
import type { VersionData } from './version-data.ts';

/** The Parquet file of an output dataset: `pipeline_output/{label}/{file}` in its study's folder. */
export function outputDatasetFile(
  dataDir: string,
  output: { orgId: string; studyId: string; label: string },
  file: string,
): string {
  return path.join(studyDir(dataDir, output.orgId, output.studyId), 'pipeline_output', output.label, file);
}

/** What the dataset viewer and downloads call an output dataset's source: the pipeline and version that made it. */
export function outputSourceName(found: Pick<OutputWithDatasets, 'output' | 'pipelineName'>): string {
  return `pipeline ${found.pipelineName} (version ${found.output.pipelineVersion})`;
}

/** An output version's rows (as `findOutput` reads them, or as its writer just wrote them) as a readable version. */
export function outputVersionFrom(ctx: AppContext, found: OutputWithDatasets): VersionData {
  const { output } = found;
  return {
    id: output.id,
    orgId: output.orgId,
    studyId: output.studyId,
    kind: 'pipeline_output',
    datasets: new Map(
      found.datasets.map((d) => [
        d.name.toUpperCase(),
        {
          name: d.name,
          label: d.label,
          rows: d.rows,
          file: outputDatasetFile(ctx.config.dataDir, output, d.file),
          columns: d.columns.map((c) => ({ name: c.name, label: c.label, type: c.type as DatasetColumnType })),
          // The same facts a source dataset's row holds, so downloads and their audit events read it alike.
          row: {
            id: d.id,
            orgId: d.orgId,
            studyId: d.studyId,
            versionId: output.id,
            name: d.name,
            label: d.label,
            rows: d.rows,
            columns: d.columns,
            source: outputSourceName(found),
            format: 'parquet',
            file: d.file,
            sha256: d.sha256,
            bytes: d.bytes,
          },
        },
      ]),
    ),
  };
}
