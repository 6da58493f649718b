import { rm } from 'node:fs/promises';
import { FormatError, readParquet, writeXpt } from '@cdp/formats';
import { AppError } from '../lib/app-error.ts';
import { writeDatasetCsv } from '../lib/csv.ts';
import type { VersionDataset } from './version-data.ts';

export type ExportFormat = 'csv' | 'parquet' | 'xpt';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  xpt: 'application/octet-stream',
};

/**
 * Writes a stored dataset to `target` as CSV (`writeDatasetCsv`) or SAS XPT v5. A dataset XPT v5
 * cannot hold (a name or label too long, …) is a 422 naming the dataset; nothing is left behind.
 */
export async function writeDatasetExport(
  dataset: VersionDataset,
  format: 'csv' | 'xpt',
  target: string,
  options: { raw?: boolean } = {},
): Promise<void> {
  if (format === 'csv') {
    // One CSV writer for the product: text a spreadsheet would run as a formula is neutralised unless raw.
    await writeDatasetCsv(target, await readParquet(dataset.file, { fileName: dataset.name }), options);
    return;
  }
  try {
    const reader = await readParquet(dataset.file, { fileName: dataset.name });
    await writeXpt(target, [reader]);
  } catch (error) {
    await rm(target, { force: true });
    if (error instanceof FormatError) {
      throw new AppError(
        'INVALID_FILE',
        `${dataset.name} cannot be written as SAS XPT v5: ${error.message}`,
        error.location,
      );
    }
    throw error;
  }
}
