import { rm } from 'node:fs/promises';
import { FormatError, type FormatErrorLocation } from '../errors.ts';
import type { DatasetInfo, DatasetReader, RowBatch } from '../types.ts';
import type { ConversionContext } from './conversion-context.ts';
import { type DuckDbLimits, limitsForWidth } from './duckdb.ts';
import { ParquetFileWriter } from './parquet-file-writer.ts';
import {
  engineLimitMessage,
  fileDigest,
  type ParquetResult,
  SCHEMA_METADATA_KEY,
  schemaMetadata,
} from './parquet-output.ts';
import { ThreadedParquetWriter } from './threaded-parquet-writer.ts';

export interface WriteParquetOptions extends DuckDbLimits {
  fileName?: string;
  context?: ConversionContext;
  /**
   * Encode on a thread of its own while this one reads on (`threaded-parquet-writer.ts`), when
   * that thread is free; worth it for large datasets only (a thread's start costs more than a
   * small member's conversion). The file is the same either way.
   */
  encodeThread?: boolean;
}

/**
 * Streams a dataset into a Parquet file with our own writer (`parquet-file-writer.ts`): batches
 * are encoded a row group at a time as they arrive, compressed and written while the reader
 * reads on, so a dataset is never held whole. Column names are kept exactly; labels, formats and
 * lengths travel as key-value metadata. No DuckDB is involved (issue 17 measured both ways, see
 * docs/decisions.md); `options` keep their DuckDB limits for the callers that convert CSV and
 * Parquet through it.
 */
export async function writeParquet(
  reader: DatasetReader,
  outFile: string,
  options: WriteParquetOptions = {},
): Promise<ParquetResult> {
  const info = reader.info;
  const where: FormatErrorLocation = { file: options.fileName, dataset: info.name };
  assertUniqueColumns(info, options.fileName);
  // The same column limit as every other path, with the same words.
  limitsForWidth(options, info.columns.length, where);
  const metadata = { [SCHEMA_METADATA_KEY]: JSON.stringify(schemaMetadata(info)) };
  const writer =
    (options.encodeThread ? await ThreadedParquetWriter.create(outFile, info.columns, metadata, where) : undefined) ??
    (await ParquetFileWriter.create(outFile, info.columns, metadata, where));
  let rows = 0;
  try {
    for await (const batch of reader.batches()) {
      assertBatchShape(info, batch, { ...where, row: rows + 1 });
      rows += batch.length;
      await writer.write(batch);
    }
    const written = await writer.close();
    if (written !== rows) throw new FormatError(`wrote ${written} rows of ${rows}`, where);
  } catch (error) {
    // An encoder thread's own failure lies at an earlier row than the reader's: it is told first.
    const earlier = writer instanceof ThreadedParquetWriter ? await writer.abort() : void (await writer.abort());
    await rm(outFile, { force: true });
    throw asFormatError(earlier ?? error, where);
  }
  return {
    name: info.name,
    label: info.label,
    rows,
    columns: info.columns,
    file: outFile,
    ...(writer.digest ?? (await fileDigest(outFile))),
  };
}

/** A reader's batch must match its schema: one column per schema column, numbers as numbers. */
function assertBatchShape(info: DatasetInfo, batch: RowBatch, where: FormatErrorLocation): void {
  if (batch.columns.length !== info.columns.length) {
    throw new FormatError(
      `a batch has ${batch.columns.length} columns where the schema has ${info.columns.length}`,
      where,
    );
  }
  for (const [c, column] of info.columns.entries()) {
    const values = batch.columns[c];
    const numeric = values instanceof Float64Array;
    if (!values || numeric === (column.type === 'string') || values.length < batch.length) {
      throw new FormatError(`the reader gave values that do not fit the column's type (${column.type})`, {
        ...where,
        column: column.name,
      });
    }
  }
}

/** Disk-full and the like in the words an administrator acts on; a FormatError as it is. */
function asFormatError(error: unknown, where: FormatErrorLocation): unknown {
  if (error instanceof FormatError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return new FormatError(engineLimitMessage('No space left on device') as string, where);
  return error;
}

/**
 * DuckDB (and every SQL user after it) treats `AGE` and `age` as the same column, so a file with
 * both cannot become one table without losing one of them.
 */
function assertUniqueColumns(info: DatasetInfo, fileName?: string): void {
  const seen = new Map<string, string>();
  for (const column of info.columns) {
    const key = column.name.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      const reason =
        other === column.name
          ? `column ${column.name} appears twice`
          : `columns ${other} and ${column.name} differ only in case; rename one of them`;
      throw new FormatError(reason, { file: fileName, dataset: info.name });
    }
    seen.set(key, column.name);
  }
  if (info.columns.length === 0)
    throw new FormatError('the dataset has no columns', { file: fileName, dataset: info.name });
}
