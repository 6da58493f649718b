import { rm } from 'node:fs/promises';
import type { DatasetStore } from '@cdp/analytics';
import { FormatError, quoteLiteral, readParquet, writeXpt } from '@cdp/formats';
import { AppError } from '../lib/app-error.ts';
import type { VersionDataset } from './version-data.ts';

export type ExportFormat = 'csv' | 'parquet' | 'xpt';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  xpt: 'application/octet-stream',
};

/**
 * Writes a stored dataset to `target` as CSV (through DuckDB) or SAS XPT v5. A dataset XPT v5
 * cannot hold (a name or label too long, …) is a 422 naming the dataset; nothing is left behind.
 */
export async function writeDatasetExport(
  store: DatasetStore,
  dataset: VersionDataset,
  format: 'csv' | 'xpt',
  target: string,
): Promise<void> {
  if (format === 'csv') {
    await store.withConnection((connection) =>
      connection.run(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(dataset.file)})) TO ${quoteLiteral(target)} (FORMAT csv, HEADER true)`,
      ),
    );
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
