import { rm } from 'node:fs/promises';
import { type DatasetStore, exportViewParquet } from '@cdp/analytics';
import type { RowFilter } from '@cdp/contracts';
import { FormatError, readParquet, writeXpt } from '@cdp/formats';
import { AppError } from '../lib/app-error.ts';
import { writeDatasetCsv } from '../lib/csv.ts';
import type { VersionDataset } from './version-data.ts';

export type ExportFormat = 'csv' | 'parquet' | 'xpt';

/** The rows the dataset viewer shows: its filters and sort. */
export interface DatasetView {
  filters: RowFilter[];
  sort?: string;
}

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
  options: { raw?: boolean; view?: DatasetView | null; store?: DatasetStore } = {},
): Promise<void> {
  if (format === 'csv') {
    const { view, store } = options;
    // A view (filters, sort) is selected by DuckDB into a Parquet file beside the target first, so
    // that every CSV still goes through the one writer, which neutralises formulas unless raw.
    const source = view && store ? `${target}.view.parquet` : dataset.file;
    try {
      if (view && store) await exportViewParquet(store, dataset, view, source);
      await writeDatasetCsv(target, await readParquet(source, { fileName: dataset.name }), {
        raw: options.raw ?? false,
      });
    } finally {
      if (source !== dataset.file) await rm(source, { force: true });
    }
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
