import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type CsvWriteOptions, csvField, csvRow, quoteCsv } from '@cdp/contracts';
import { type ColumnValues, type DatasetReader, type ValueType, valueAt } from '@cdp/formats';

/**
 * The server's CSV writer: `csvRow` (from `@cdp/contracts`, shared with the web app) for the audit
 * export and anything row-shaped, `writeDatasetCsv` for a dataset. Both neutralise text that a
 * spreadsheet would run as a formula unless `raw` (see `packages/contracts/src/csv.ts`).
 */
export { csvField, csvRow };

/**
 * Writes a dataset as CSV: a header of column names, then its rows. Missing values (null, NaN)
 * are empty fields; dates, datetimes and times are ISO 8601; numbers are written without binary
 * noise (0.1 + 0.2 → 0.3) and never neutralised; text is. One batch is formatted at a time and the
 * file stream's backpressure is respected, so memory does not grow with the dataset.
 */
export async function writeDatasetCsv(
  path: string,
  reader: DatasetReader,
  options: CsvWriteOptions = {},
): Promise<{ rows: number }> {
  let rows = 0;
  const types = reader.info.columns.map((column) => column.type);
  async function* chunks(): AsyncGenerator<string> {
    yield csvRow(
      reader.info.columns.map((column) => column.name),
      options,
    );
    for await (const batch of reader.batches()) {
      const lines: string[] = [];
      for (let row = 0; row < batch.length; row++) {
        const fields = batch.columns.map((values, i) => cell(values, row, types[i] ?? 'string', options));
        lines.push(`${fields.join(',')}\r\n`);
      }
      rows += batch.length;
      yield lines.join('');
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return { rows };
}

function cell(values: ColumnValues, row: number, type: ValueType, options: CsvWriteOptions): string {
  if (!(values instanceof Float64Array))
    return csvField((valueAt(values, row) as string | null | undefined) ?? null, options);
  const value = values[row] ?? Number.NaN;
  if (Number.isNaN(value)) return '';
  switch (type) {
    case 'date':
      return new Date(Math.round(value) * 86_400_000).toISOString().slice(0, 10);
    case 'datetime':
      return isoDateTime(value);
    case 'time':
      return isoTime(value);
    case 'boolean':
      return value === 0 ? 'false' : 'true';
    default:
      return quoteCsv(formatNumber(value));
  }
}

/** Shortest text that reads back as the value, after dropping the noise past 15 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return Object.is(value, -0) ? '0' : String(value);
  return String(Number(value.toPrecision(15)));
}

function isoDateTime(ms: number): string {
  const text = new Date(ms).toISOString();
  // Datetimes carry no time zone here, so no "Z"; milliseconds only when there are some.
  return text.endsWith('.000Z') ? text.slice(0, 19) : text.slice(0, 23);
}

function isoTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const whole = Math.floor(ms / 1000);
  const pad = (part: number, width = 2) => String(part).padStart(width, '0');
  const text = `${pad(Math.floor(whole / 3600))}:${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`;
  return ms % 1000 === 0 ? text : `${text}.${pad(ms % 1000, 3)}`;
}
