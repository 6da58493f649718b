/**
 * Test support: read a whole dataset into columns, parse the reference CSVs that come with the
 * public test files, and compare cells the way each reference writes them. Used by the fixture
 * and corpus tests only.
 */
import { readFileSync } from 'node:fs';
import { MISSING_DOT } from '../sas-formats.ts';
import { valueAt } from '../text-cells.ts';
import type { ColumnInfo, DatasetInfo } from '../types.ts';
import { readSas7bdat, type Sas7bdatReadOptions } from './read-sas7bdat.ts';

export interface ReadDataset {
  info: DatasetInfo;
  columns: (number | string | null)[][];
  /** Missing-value kind per column and row (0 when not missing, `.` 46 for plain NaN). */
  missing: number[][];
  rows: number;
}

export async function readDataset(file: string, options: Sas7bdatReadOptions = {}): Promise<ReadDataset> {
  for await (const dataset of readSas7bdat(file, options)) {
    const columns: (number | string | null)[][] = dataset.info.columns.map(() => []);
    const missing: number[][] = dataset.info.columns.map(() => []);
    let rows = 0;
    for await (const batch of dataset.batches()) {
      batch.columns.forEach((values, c) => {
        const marks = batch.missing?.[c];
        for (let r = 0; r < batch.length; r++) {
          const value = valueAt(values, r) ?? null;
          (columns[c] as (number | string | null)[]).push(value);
          const kind = marks
            ? (marks[r] as number)
            : typeof value === 'number' && Number.isNaN(value)
              ? MISSING_DOT
              : 0;
          (missing[c] as number[]).push(kind);
        }
      });
      rows += batch.length;
    }
    return { info: dataset.info, columns, missing, rows };
  }
  throw new Error(`${file}: no dataset`);
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF), byte order mark dropped. */
export function parseCsv(path: string, separator = ','): string[][] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A cell check: undefined when the value matches, else what was expected. */
export type CellCheck = (
  value: number | string | null,
  cell: string,
  column: ColumnInfo,
  missingKind: number,
) => string | undefined;

const MS_PER_DAY = 86_400_000;
const SAS_EPOCH_DAYS = 3653;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function isMissing(value: number | string | null): boolean {
  return value === null || (typeof value === 'number' && Number.isNaN(value));
}

export function sameNumber(actual: number, expected: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Epoch milliseconds (no time zone) of a CSV date or datetime: `2018-05-06`, `...T10:10:10.000000`, `... 00:00:00 +0000 UTC`. */
function parseDateTime(cell: string): number | undefined {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)(?:[T ](\d\d?):(\d\d):(\d\d)(?:\.(\d+))?)?/.exec(cell);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  return date.getTime() + Math.round(Number(`0.${frac || '0'}`) * 1000);
}

/** Seconds of a CSV time, `10:10:10`, `0:00:00.000000`. */
function parseTime(cell: string): number | undefined {
  const m = /^(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(cell);
  if (!m) return undefined;
  const [, h, mi, s, frac = ''] = m;
  return Number(h) * 3600 + Number(mi) * 60 + Number(s) + Number(`0.${frac || '0'}`);
}

/**
 * kshedden/datareader `ref/testN.csv` and pyreadstat CSVs: empty (or `NaN`) is missing, numbers
 * as decimals, dates `YYYY-MM-DD` (kshedden adds ` 00:00:00 +0000 UTC`), datetimes ISO with
 * microseconds, times `H:MM:SS[.ffffff]`, text as is.
 */
export const isoCell: CellCheck = (value, cell, column) => {
  if (cell === '' || cell === 'NaN') return isMissing(value) ? undefined : 'missing';
  if (isMissing(value)) return cell;
  if (column.type === 'string') return value === cell ? undefined : cell;
  const actual = value as number;
  if (column.type === 'date') {
    const ms = parseDateTime(cell);
    return ms !== undefined && ms === actual * MS_PER_DAY ? undefined : cell;
  }
  if (column.type === 'datetime') {
    const ms = parseDateTime(cell);
    return ms !== undefined && Math.abs(ms - actual) < 0.5 ? undefined : cell;
  }
  if (column.type === 'time') {
    const seconds = parseTime(cell);
    return seconds !== undefined && Math.abs(seconds - actual) < 1e-6 ? undefined : cell;
  }
  return sameNumber(actual, Number(cell)) ? undefined : cell;
};

/** pyreadstat's `sample_nodate_sas_stata.csv`: temporal columns as the raw SAS numbers. */
export const rawSasNumberCell: CellCheck = (value, cell, column) => {
  if (column.type === 'string') return isoCell(value, cell, column, 0);
  if (cell === '') return isMissing(value) ? undefined : 'missing';
  const actual = value as number;
  const sas =
    column.type === 'date'
      ? actual + SAS_EPOCH_DAYS
      : column.type === 'datetime'
        ? actual / 1000 + SAS_EPOCH_DAYS * 86_400
        : actual;
  return sameNumber(sas, Number(cell)) ? undefined : cell;
};

/** pyreadstat's `missing_sas_formatted.csv`: special missing values as their letter, `.` as `NaN`. */
export const missingKindCell: CellCheck = (value, cell, column, kind) => {
  if (cell === 'NaN') return kind === MISSING_DOT ? undefined : cell;
  if (/^[A-Z_]$/.test(cell)) return kind === cell.charCodeAt(0) ? undefined : cell;
  return isoCell(value, cell, column, kind);
};

/**
 * parso's `csv/`: numbers as Java prints them, `PERCENTw.d` as a percentage, temporal columns
 * through parso's renderings of their SAS format (the one row of `date_formats.csv` shows them).
 */
export const parsoCell: CellCheck = (value, cell, column) => {
  if (cell === '') return isMissing(value) ? undefined : 'missing';
  if (isMissing(value)) return cell;
  if (column.type === 'string') return value === cell ? undefined : cell;
  const actual = value as number;
  const format = column.format ?? '';
  const percent = /^PERCENT(\d*)\.(\d*)$/.exec(format);
  if (percent) return `${(actual * 100).toFixed(Number(percent[2] || 0))}%` === cell ? undefined : cell;
  if (column.type === 'number') return sameNumber(actual, Number(cell)) ? undefined : cell;
  const rendered = renderParso(format, column.type, actual);
  return rendered === cell ? undefined : `${cell} (rendered ${rendered})`;
};

function renderParso(format: string, type: ColumnInfo['type'], value: number): string {
  const name = format.replace(/\d*\.\d*$/, '');
  if (type === 'time' && name !== 'TOD') {
    const s = Math.round(value);
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  }
  const ms = type === 'date' ? value * MS_PER_DAY : type === 'time' ? value * 1000 : value;
  const date = new Date(ms);
  const y = date.getUTCFullYear();
  const mo = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  const hh = pad(date.getUTCHours());
  const mi = pad(date.getUTCMinutes());
  const ss = pad(date.getUTCSeconds());
  const millis = date.getUTCMilliseconds();
  const month = MONTHS[mo - 1] as string;
  const mon = month.slice(0, 3);
  const weekday = WEEKDAYS[date.getUTCDay()] as string;
  const dayOfYear = Math.floor((Date.UTC(y, mo - 1, d) - Date.UTC(y, 0, 1)) / MS_PER_DAY) + 1;
  const fraction = millis ? `.${pad(millis, 3)}` : '.00';
  const separated = (parts: string[], family: string) => {
    const sep = { B: ' ', C: ':', D: '-', N: '', P: '.', S: '/' }[name.slice(family.length)] ?? '/';
    return parts.join(sep);
  };
  switch (name) {
    case 'B8601DA':
    case 'B8601DN':
      return `${y}${pad(mo)}${pad(d)}`;
    case 'E8601DA':
    case 'E8601DN':
      return `${y}-${pad(mo)}-${pad(d)}`;
    case 'DATE':
    case 'DTDATE':
      return `${pad(d)}${mon}${y}`;
    case 'DAY':
      return String(d);
    case 'WEEKDATE':
      return `${weekday}, ${month} ${d}, ${y}`;
    case 'WEEKDATX':
    case 'DTWKDATX':
      return `${weekday}, ${d} ${month}, ${y}`;
    case 'WEEKDAY':
      // parso prints the ISO day of the week (Monday 1).
      return String(((date.getUTCDay() + 6) % 7) + 1);
    case 'DOWNAME':
      return weekday;
    case 'WORDDATE':
      return `${month} ${d}, ${y}`;
    case 'WORDDATX':
      return `${d} ${month} ${y}`;
    case 'YYMM':
      return `${y}M${pad(mo)}`;
    case 'YYMON':
      return `${y}${mon}`;
    case 'YEAR':
    case 'DTYEAR':
      return String(y);
    case 'JULDAY':
      return String(dayOfYear);
    case 'JULIAN':
      return `${y}${dayOfYear}`;
    case 'MMYY':
      return `${pad(mo)}M${y}`;
    case 'MONNAME':
      return month;
    case 'MONTH':
      return String(mo);
    case 'MONYY':
    case 'DTMONYY':
      return `${mon}${y}`;
    case 'E8601DT':
      return `${y}-${pad(mo)}-${pad(d)}T${hh}:${mi}:${ss}${millis ? `.${pad(millis, 3)}` : ''}`;
    case 'E8601DX':
    case 'E8601DZ':
    case 'E8601LX':
      return `${y}-${pad(mo)}-${pad(d)}T${hh}:${mi}:${ss}+0000`;
    case 'B8601DT':
      return `${y}${pad(mo)}${pad(d)}T${hh}${mi}${ss}${millis ? pad(millis, 3) : ''}`;
    case 'B8601DX':
    case 'B8601DZ':
    case 'B8601LX':
      return `${y}${pad(mo)}${pad(d)}T${hh}${mi}${ss}+0000`;
    case 'DATETIME':
      return `${pad(d)}${mon}${y}:${hh}:${mi}:${ss}${fraction}`;
    case 'DATEAMPM':
      return `${pad(d)}${mon}${y}:${hh}:${mi}:${ss}${fraction} ${date.getUTCHours() < 12 ? 'AM' : 'PM'}`;
    case 'MDYAMPM':
      return `${pad(mo)}/${pad(d)}/${y} ${hh}:${mi} ${date.getUTCHours() < 12 ? 'AM' : 'PM'}`;
    case 'TOD':
      // TOD shows the time of day of a datetime; sas-formats types it `time`, so the value is SAS seconds.
      return `${hh}:${mi}:${ss}${millis ? `.${pad(millis, 3)}` : ''}`;
  }
  if (/^(DDMMYY|MMDDYY|YYMMDD)[BCDNPS]?$/.test(name)) {
    const family = name.slice(0, 6);
    const parts =
      family === 'DDMMYY'
        ? [pad(d), pad(mo), String(y)]
        : family === 'MMDDYY'
          ? [pad(mo), pad(d), String(y)]
          : [String(y), pad(mo), pad(d)];
    return name === family ? parts.join(family === 'YYMMDD' ? '-' : '/') : separated(parts, family);
  }
  if (/^(YYMM|MMYY)[CDNPS]$/.test(name)) {
    const family = name.slice(0, 4);
    return separated(family === 'YYMM' ? [String(y), pad(mo)] : [pad(mo), String(y)], family);
  }
  return `unrendered ${format}`;
}

/**
 * Compares a parso `_meta.csv` — column rows (Number, Name, Type, Data length, Format, Label), then
 * `Key: value` file properties — with what was read.
 */
export function parsoMetaMismatches(info: DatasetInfo, rows: number, meta: string[][]): string[] {
  const problems: string[] = [];
  const columns = info.columns;
  const properties = new Map(
    meta
      .filter((row) => row.length === 1 && row[0]?.includes(': '))
      .map((row) => {
        const [key = '', ...rest] = (row[0] as string).split(': ');
        return [key, rest.join(': ')] as const;
      }),
  );
  const expectProperty = (key: string, actual: string) => {
    const expected = properties.get(key);
    if (expected !== undefined && expected !== actual) problems.push(`${key} ${actual} ≠ ${expected}`);
  };
  expectProperty('Name', info.name);
  expectProperty('File label', info.label ?? '');
  expectProperty('Row Count', String(rows + Number(info.metadata?.['sas.deletedRows'] ?? 0)));
  expectProperty('Columns Count', String(columns.length));
  expectProperty('SAS release', info.metadata?.['sas.release'] ?? '');
  const compressed = properties.get('Compressed');
  if (compressed !== undefined) {
    const actual = { rle: 'SASYZCRL', rdc: 'SASYZCR2', none: 'null' }[info.metadata?.['sas.compression'] ?? 'none'];
    if (actual !== compressed) problems.push(`compression ${actual} ≠ ${compressed}`);
  }
  const columnRows = meta.slice(1).filter((row) => /^\d+$/.test(row[0] ?? ''));
  for (const [i, [, name, type, length, format, label]] of columnRows.entries()) {
    const column = columns[i];
    if (!column) {
      problems.push(`column ${i + 1} missing`);
      continue;
    }
    if (column.name !== name) problems.push(`column ${i + 1} name ${column.name} ≠ ${name}`);
    const kind = column.type === 'string' ? 'Character' : 'Numeric';
    if (kind !== type) problems.push(`${name} type ${kind} ≠ ${type}`);
    if (String(column.length) !== length) problems.push(`${name} length ${column.length} ≠ ${length}`);
    if ((column.format ?? '') !== format) problems.push(`${name} format ${column.format} ≠ ${format}`);
    if ((column.label ?? '') !== label) problems.push(`${name} label ${column.label} ≠ ${label}`);
  }
  return problems;
}
