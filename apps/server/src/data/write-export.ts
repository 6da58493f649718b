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

/** A dataset with PHI columns is never handed over as its stored file: it is read through `datasetSource` (masked or noted). */
export function holdsPhi(dataset: VersionDataset): boolean {
  return dataset.columns.some((c) => c.phi === 'phi') || dataset.sealed !== undefined;
}

/**
 * Writes a stored dataset to `target` as CSV (`writeDatasetCsv`), SAS XPT v5 or (for a dataset
 * holding PHI) Parquet. A dataset XPT v5 cannot hold (a name or label too long, …) is a 422 naming
 * the dataset; nothing is left behind.
 */
export async function writeDatasetExport(
  dataset: VersionDataset,
  format: ExportFormat,
  target: string,
  options: { raw?: boolean; view?: DatasetView | null; store?: DatasetStore } = {},
): Promise<void> {
  const { store } = options;
  // A view (filters, sort), or a dataset holding PHI, is selected by DuckDB into a Parquet file beside
  // the target first (PHI columns masked for whoever may not see them), so that every CSV still goes
  // through the one writer, which neutralises formulas unless raw.
  const view = options.view ?? (holdsPhi(dataset) ? { filters: [] } : null);
  if (format === 'parquet') {
    if (!store) throw new Error('a Parquet export of a dataset holding PHI needs the dataset store');
    await exportViewParquet(store, dataset, view ?? { filters: [] }, target);
    return;
  }
  const source = view && store ? `${target}.view.parquet` : dataset.file;
  try {
    if (view && store) await exportViewParquet(store, dataset, view, source);
    if (format === 'csv') {
      await writeDatasetCsv(target, await readParquet(source, { fileName: dataset.name }), {
        raw: options.raw ?? false,
      });
      return;
    }
    const reader = await readParquet(source, { fileName: dataset.name });
    await writeXpt(target, [reader]);
  } catch (error) {
    await rm(target, { force: true });
    if (format === 'xpt' && error instanceof FormatError) {
      throw new AppError(
        'INVALID_FILE',
        `${dataset.name} cannot be written as SAS XPT v5: ${error.message}`,
        error.location,
      );
    }
    throw error;
  } finally {
    if (source !== dataset.file) await rm(source, { force: true });
  }
}
