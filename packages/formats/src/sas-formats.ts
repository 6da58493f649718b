import type { ValueType } from './types.ts';

/**
 * SAS stores dates, times and datetimes as plain numbers; only the display format says which.
 * These lists follow the SAS 9.4 formats reference (language-specific NL* formats included).
 */
const DATE_FORMATS = new Set([
  'DATE',
  'DAY',
  'DDMMYY',
  'DDMMYYB',
  'DDMMYYC',
  'DDMMYYD',
  'DDMMYYN',
  'DDMMYYP',
  'DDMMYYS',
  'DOWNAME',
  'E8601DA',
  'B8601DA',
  'EURDFDD',
  'EURDFDE',
  'EURDFMY',
  'EURDFWDX',
  'EURDFWKX',
  'JULDAY',
  'JULIAN',
  'MMDDYY',
  'MMDDYYB',
  'MMDDYYC',
  'MMDDYYD',
  'MMDDYYN',
  'MMDDYYP',
  'MMDDYYS',
  'MMYY',
  'MMYYC',
  'MMYYD',
  'MMYYN',
  'MMYYP',
  'MMYYS',
  'MONNAME',
  'MONTH',
  'MONYY',
  'NENGO',
  'NLDATE',
  'NLDATEL',
  'NLDATEM',
  'NLDATEMD',
  'NLDATEMDL',
  'NLDATEMDM',
  'NLDATEMDS',
  'NLDATEMN',
  'NLDATES',
  'NLDATEW',
  'NLDATEWN',
  'NLDATEYM',
  'NLDATEYML',
  'NLDATEYMM',
  'NLDATEYMS',
  'NLDATEYQ',
  'NLDATEYQL',
  'NLDATEYQM',
  'NLDATEYQS',
  'NLDATEYR',
  'NLDATEYW',
  'PDJULG',
  'PDJULI',
  'QTR',
  'QTRR',
  'WEEKDATE',
  'WEEKDATX',
  'WEEKDAY',
  'WEEKU',
  'WEEKV',
  'WEEKW',
  'WORDDATE',
  'WORDDATX',
  'YEAR',
  'YYMM',
  'YYMMC',
  'YYMMD',
  'YYMMN',
  'YYMMP',
  'YYMMS',
  'YYMMDD',
  'YYMMDDB',
  'YYMMDDC',
  'YYMMDDD',
  'YYMMDDN',
  'YYMMDDP',
  'YYMMDDS',
  'YYMON',
  'YYQ',
  'YYQC',
  'YYQD',
  'YYQN',
  'YYQP',
  'YYQS',
  'YYQR',
  'YYQRC',
  'YYQRD',
  'YYQRN',
  'YYQRP',
  'YYQRS',
  'MINGUO',
  'HDATE',
  'HEBDATE',
  'EURDFDN',
  'EURDFDWN',
  'EURDFMN',
  'EURDFDT',
]);

const DATETIME_FORMATS = new Set([
  'DATETIME',
  'DATEAMPM',
  'DTDATE',
  'DTMONYY',
  'DTWKDATX',
  'DTYEAR',
  'DTYYQC',
  'E8601DT',
  'B8601DT',
  'E8601DX',
  'E8601DN',
  'B8601DN',
  'B8601DX',
  'E8601DZ',
  'B8601DZ',
  'E8601LX',
  'B8601LX',
  'MDYAMPM',
  'NLDATM',
  'NLDATMAP',
  'NLDATMDT',
  'NLDATML',
  'NLDATMM',
  'NLDATMMD',
  'NLDATMMDL',
  'NLDATMMDM',
  'NLDATMMDS',
  'NLDATMMN',
  'NLDATMS',
  'NLDATMTM',
  'NLDATMTZ',
  'NLDATMW',
  'NLDATMWN',
  'NLDATMWZ',
  'NLDATMYM',
  'NLDATMYML',
  'NLDATMYMM',
  'NLDATMYMS',
  'NLDATMYQ',
  'NLDATMYQL',
  'NLDATMYQM',
  'NLDATMYQS',
  'NLDATMYR',
  'NLDATMYW',
  'NLDATMZ',
  'TWMDY',
]);

const TIME_FORMATS = new Set([
  'TIME',
  'TIMEAMPM',
  'TOD',
  'HHMM',
  'HOUR',
  'MMSS',
  'E8601TM',
  'B8601TM',
  'E8601TX',
  'B8601TX',
  'E8601TZ',
  'B8601TZ',
  'E8601LZ',
  'B8601LZ',
  'NLTIME',
  'NLTIMAP',
  'HMS',
]);

/** `DATE9.` → `DATE`, `$CHAR20.` → `$CHAR`, `E8601DA10.` → `E8601DA`, `8.2` → ``. */
export function sasFormatName(format: string): string {
  const upper = format.trim().toUpperCase();
  // Names may end in digits (E8601DA, B8601DT): strip width/decimals only after the name proper.
  const match = /^(\$?[A-Z_]+(?:8601[A-Z]{2})?[A-Z_]*?)(\d*)(\.\d*)?$/.exec(upper);
  return match ? (match[1] ?? '') : upper.replace(/[\d.]+$/, '');
}

/** The logical type of a SAS numeric variable displayed with `format` (`number` when not temporal). */
export function sasNumericType(format: string | undefined): ValueType {
  if (!format) return 'number';
  const name = sasFormatName(format);
  if (DATE_FORMATS.has(name)) return 'date';
  if (DATETIME_FORMATS.has(name)) return 'datetime';
  if (TIME_FORMATS.has(name)) return 'time';
  return 'number';
}

/** Days between 1960-01-01 (the SAS epoch) and 1970-01-01. */
const SAS_EPOCH_OFFSET_DAYS = 3653;
const SECONDS_PER_DAY = 86_400;

/** SAS date (days since 1960-01-01) → days since 1970-01-01 (whole days). */
export function sasDateToEpochDays(value: number): number {
  return Math.floor(value) - SAS_EPOCH_OFFSET_DAYS;
}

/** SAS datetime (seconds since 1960-01-01T00:00) → milliseconds since 1970-01-01T00:00. */
export function sasDatetimeToEpochMs(value: number): number {
  return (value - SAS_EPOCH_OFFSET_DAYS * SECONDS_PER_DAY) * 1000;
}

/**
 * Converts a numeric column in place from SAS units to this package's units (see `ColumnValues`).
 * Values SAS itself cannot display (beyond year 20,000, for example) stay as they are.
 */
export function convertSasTemporal(values: Float64Array, type: ValueType): void {
  if (type === 'date') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) values[i] = sasDateToEpochDays(v);
    }
  } else if (type === 'datetime') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) values[i] = sasDatetimeToEpochMs(v);
    }
  }
  // time: seconds since midnight in both SAS and here.
}

/** Character code of a SAS missing value kind: `.`, `_`, `A`..`Z`. */
export const MISSING_DOT = 46;
