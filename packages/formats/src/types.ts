import type { TextCells } from './text-cells.ts';

/**
 * The shape every reader in this package produces: a dataset's schema first, then its rows in
 * column-major batches. Column-major batches keep numbers in typed arrays (no per-cell objects),
 * which is what makes a 1 GB transport file convertible in bounded memory and at disk speed.
 */

/** Logical column types, as they end up in Parquet. */
export type ValueType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime' | 'time';

export interface ColumnInfo {
  /** Exactly as the file spells it (case kept). */
  name: string;
  label?: string;
  type: ValueType;
  /** SAS storage length in bytes (character width; 8 or less for numerics). */
  length?: number;
  /** Display format with width and decimals, e.g. `DATE9.`, `8.2`, `$CHAR20.`. */
  format?: string;
  informat?: string;
}

export interface DatasetInfo {
  /** Dataset (member, sheet, form) name; becomes `<name>.parquet`. */
  name: string;
  label?: string;
  columns: ColumnInfo[];
  /** The character encoding the file declares, when it declares one. */
  encoding?: string;
  /** Row count the file declares; never trusted, only reported. */
  declaredRows?: number;
  /** Anything else worth keeping in Parquet key-value metadata (creator, created, SAS release...). */
  metadata?: Record<string, string>;
}

/**
 * Values of one column in a batch.
 * - `string`: `(string | null)[]`, or `TextCells` (UTF-8 bytes) from a reader given `textAsBytes`.
 * - every other type: a `Float64Array`, `NaN` meaning missing, in these units:
 *   number/integer as is; boolean 0/1; date = days since 1970-01-01; datetime = milliseconds since
 *   1970-01-01T00:00:00 (no time zone); time = seconds since midnight.
 */
export type ColumnValues = (string | null)[] | Float64Array | TextCells;

export interface RowBatch {
  /** Rows in this batch. */
  length: number;
  /** One entry per column of `DatasetInfo.columns`, in the same order. */
  columns: ColumnValues[];
  /**
   * SAS special missing values, per column (only numeric columns, only where present): the
   * character code of the missing value (`.` 46, `_` 95, `A`..`Z`) at each row, 0 where the value
   * is not missing. Parquet stores all of them as NULL; readers keep them for tests and profiles.
   */
  missing?: (Uint8Array | undefined)[];
}

/** One dataset of a file: its schema, then its rows. Consume `batches()` once, in order. */
export interface DatasetReader {
  info: DatasetInfo;
  batches(): AsyncIterable<RowBatch>;
}

/** Options every reader accepts. */
export interface ReadOptions {
  /** The name to use in error messages (the uploaded file's name, or `archive.zip/dm.xpt`). */
  fileName?: string;
  /** Rows per batch; readers may return fewer. */
  batchSize?: number;
  /** Where a reader may spill to disk (default: the OS temp folder). Uploads pass the version's work folder. */
  tempDirectory?: string;
  /**
   * Text columns as `TextCells` (UTF-8 bytes) instead of strings, for a consumer that writes bytes
   * (the Parquet writer). Readers that cannot do it ignore the option and give strings.
   */
  textAsBytes?: boolean;
  /**
   * The consumer is done with a batch (has copied what it keeps) before it asks for the next, so
   * the reader may fill the same arrays again instead of allocating new ones (the Parquet writer;
   * not a caller that collects batches). Readers may ignore it.
   */
  reuseBatches?: boolean;
}

export const DEFAULT_BATCH_SIZE = 8192;
