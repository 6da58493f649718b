import { TextDecoder } from 'node:util';
import { type ByteSource, inputBaseName, openInput, type ReadInput } from '../byte-source.ts';
import { type DatasetReader, DEFAULT_BATCH_SIZE, type ReadOptions, type RowBatch } from '../types.ts';
import { describeSas7bdat, type Sas7bdatDescription } from './describe.ts';
import { fileError } from './file-error.ts';
import { readSas7bdatRows } from './read-rows.ts';
import { readSasCatalog } from './read-sas7bcat.ts';
import { applyValueLabels, VALUE_LABELS_METADATA_KEY } from './value-labels.ts';

export interface Sas7bdatReadOptions extends ReadOptions {
  /** A `.sas7bcat` format catalog: value labels of user formats land in `info.metadata` (see value-labels.ts). */
  catalog?: string;
  /**
   * Decode text as this encoding (a TextDecoder label) instead of the one the header declares, for
   * mislabelled files — e.g. UTF-8 bytes written by a Latin-1 SAS session. Reported in metadata.
   */
  encoding?: string;
}

/**
 * Reads a SAS data set (.sas7bdat): 32- and 64-bit, either byte order, uncompressed, COMPRESS=CHAR
 * (RLE) or COMPRESS=BINARY (RDC), with deleted rows skipped. Yields exactly one dataset.
 *
 * Streaming: the header and the metadata pages are read first (never the whole file), then
 * `batches()` reads page by page, about 1 MiB at a time, from a file or an inflating ZIP member
 * (`ReadInput`).
 *
 * Values: numbers as float64 (3–7 byte numbers widened), dates, datetimes and times converted from
 * their SAS display format, special missing values (.A–.Z, ._) as NaN plus their code in
 * `RowBatch.missing`. Character values lose trailing blanks and NULs; an all-blank value is `null`,
 * because SAS has no empty string distinct from a missing character value. `info.declaredRows` is
 * the rows the file declares less its deleted rows, i.e. what `batches()` yields.
 *
 * `info.metadata`: `sas.release`, `sas.host`, `sas.os`, `sas.created`/`sas.modified` (the writer's
 * local time, ISO without zone), `sas.compression` (none/rle/rdc), `sas.byteOrder`, `sas.wordSize`,
 * `sas.creator`/`sas.creatorProc` when present, `sas.deletedRows` when non-zero, `sas.valueLabels`
 * (with `catalog`) and `sas.decodedAs` (with `encoding`).
 *
 * Errors: a corrupt or truncated file throws FormatError naming the file and the byte, page or row.
 * Rows are checked against the declared row count at the end (fewer rows, or a deleted-row count
 * that does not add up, is an error, as in ReadStat), so a consumer that writes batches as they
 * come must discard its output when `batches()` throws.
 */
export async function* readSas7bdat(
  filePath: ReadInput,
  options: Sas7bdatReadOptions = {},
): AsyncGenerator<DatasetReader> {
  const fileName = options.fileName ?? inputBaseName(filePath);
  const requested = Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE);
  const batchSize = Number.isFinite(requested) && requested >= 1 ? requested : DEFAULT_BATCH_SIZE;
  const fallbackName = inputBaseName(filePath).replace(/\.sas7bdat$/i, '');

  if (options.encoding) assertEncoding(options.encoding);
  const description = await withFile(filePath, fileName, (file) =>
    describeSas7bdat(file, file.size, fallbackName, options.encoding, file.sequential),
  );
  const info = description.info;
  if (options.catalog) {
    const labels = applyValueLabels(info, await readSasCatalog(options.catalog));
    if (Object.keys(labels).length > 0) {
      info.metadata = { ...info.metadata, [VALUE_LABELS_METADATA_KEY]: JSON.stringify(labels) };
    }
  }
  yield { info, batches: () => batches(filePath, fileName, description, batchSize, options) };
}

async function* batches(
  filePath: ReadInput,
  fileName: string,
  description: Sas7bdatDescription,
  batchSize: number,
  options: Sas7bdatReadOptions,
): AsyncGenerator<RowBatch> {
  // A second open: a ZIP member inflates again from its start (describe read only its first pages).
  const file = await openInput(filePath);
  try {
    yield* readSas7bdatRows(file, description, batchSize, options.textAsBytes === true, options.reuseBatches === true);
  } catch (error) {
    throw fileError(error, fileName);
  } finally {
    await file.close();
  }
}

async function withFile<T>(filePath: ReadInput, fileName: string, use: (file: ByteSource) => Promise<T>): Promise<T> {
  const file = await openInput(filePath);
  try {
    return await use(file);
  } catch (error) {
    throw fileError(error, fileName);
  } finally {
    await file.close();
  }
}

function assertEncoding(label: string): void {
  try {
    new TextDecoder(label);
  } catch {
    throw new Error(`readSas7bdat: "${label}" is not an encoding this runtime can decode`);
  }
}
