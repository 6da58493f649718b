import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetStore } from '@cdp/analytics';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import type { VersionDataset } from '../data/version-data.ts';
import { type DatasetView, type ExportFormat, holdsPhi, writeDatasetExport } from '../data/write-export.ts';
import type { AppContext } from '../lib/context.ts';
import { runTempName } from '../lib/process-run.ts';
import { studyDir } from '../lib/study-folders.ts';

export interface DatasetExport {
  file: string;
  /** Written for this export (CSV, XPT): the caller removes it once sent. Parquet is the stored file. */
  temporary: boolean;
}

/**
 * Exports a dataset (every export is audited): Parquet is the stored file itself; CSV and XPT
 * are written into the study's temp folder first, so the event is recorded only for a file
 * that exists.
 */
export async function exportDataset(
  ctx: AppContext,
  author: Author,
  input: {
    dataset: VersionDataset;
    format: ExportFormat;
    raw?: boolean;
    /** Only the rows the viewer shows, in its order (CSV only). */
    view?: DatasetView | null;
    store: DatasetStore;
  },
): Promise<DatasetExport> {
  const { dataset, format, raw = false, view = null } = input;
  const { row } = dataset;
  let result: DatasetExport = { file: dataset.file, temporary: false };
  if (format !== 'parquet' || holdsPhi(dataset)) {
    const temp = path.join(studyDir(ctx.config.dataDir, row.orgId, row.studyId), 'temp');
    await mkdir(temp, { recursive: true });
    // Named by this process's run, so a crash's leftover is swept at the next start (process-run.ts).
    result = { file: path.join(temp, runTempName(`export-${randomUUID()}.${format}`)), temporary: true };
    await writeDatasetExport(dataset, format, result.file, { raw, view, store: input.store });
  }
  try {
    await ctx.database.tenant(author.orgId, (tx) =>
      appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'dataset.exported',
        resourceType: 'dataset',
        resourceId: row.id,
        newValues: {
          studyId: row.studyId,
          versionId: row.versionId,
          dataset: row.name,
          format,
          ...(raw ? { raw } : {}),
          ...(view ? { view } : {}),
        },
      }),
    );
  } catch (error) {
    if (result.temporary) await rm(result.file, { force: true });
    throw error;
  }
  return result;
}
