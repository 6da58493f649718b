import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ColumnValues, DatasetReader, ValueType } from '@cdp/formats';

/**
 * Writes a dataset as RFC 4180 CSV: a header of column names, CRLF line ends, fields quoted only
 * when they hold a comma, quote, CR or LF. Missing values (null, NaN) are empty fields; dates,
 * datetimes and times are ISO 8601; numbers are written without binary noise (0.1 + 0.2 → 0.3).
 *
 * Unlike `lib/csv.ts` (audit exports meant for spreadsheets), values are written exactly: no
 * apostrophe before a leading `-`, `=` or `+`, which would corrupt negative study days and
 * results on the way back in. One batch is formatted at a time and the file stream's
 * backpressure is respected, so memory does not grow with the dataset.
 */
export async function writeCsv(path: string, reader: DatasetReader): Promise<{ rows: number }> {
  let rows = 0;
  const types = reader.info.columns.map((column) => column.type);
  async function* chunks(): AsyncGenerator<string> {
    yield csvLine(reader.info.columns.map((column) => column.name));
    for await (const batch of reader.batches()) {
      const lines: string[] = [];
      for (let row = 0; row < batch.length; row++) {
        lines.push(csvLine(batch.columns.map((values, i) => formatValue(values, row, types[i] ?? 'string'))));
      }
      rows += batch.length;
      yield lines.join('');
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return { rows };
}

function csvLine(fields: string[]): string {
  return `${fields.map(quote).join(',')}\r\n`;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

function formatValue(values: ColumnValues, row: number, type: ValueType): string {
  if (!(values instanceof Float64Array)) return values[row] ?? '';
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
      return formatNumber(value);
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
