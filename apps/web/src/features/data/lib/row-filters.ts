import type { DatasetColumnType, RowFilter } from '@cdp/contracts';
import { isNumeric } from './cells.ts';

export type FilterOp = RowFilter['op'];

export const OP_LABELS: Record<FilterOp, string> = {
  eq: 'equals',
  ne: 'does not equal',
  lt: 'is less than',
  le: 'is at most',
  gt: 'is greater than',
  ge: 'is at least',
  contains: 'contains',
  starts: 'starts with',
  in: 'is one of',
  null: 'is missing',
  notnull: 'is not missing',
};

/** Short forms for the chips above the grid. */
export const OP_SYMBOLS: Record<FilterOp, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  le: '≤',
  gt: '>',
  ge: '≥',
  contains: 'contains',
  starts: 'starts with',
  in: 'in',
  null: 'is missing',
  notnull: 'is not missing',
};

/** The operators that make sense for a column type, most useful first. */
export function opsFor(type: DatasetColumnType): FilterOp[] {
  if (type === 'string') return ['eq', 'ne', 'contains', 'starts', 'in', 'null', 'notnull'];
  if (type === 'boolean') return ['eq', 'ne', 'null', 'notnull'];
  return ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'null', 'notnull'];
}

export function needsValue(op: FilterOp): boolean {
  return op !== 'null' && op !== 'notnull';
}

type Parsed = { ok: true; filter: RowFilter } | { ok: false; message: string };

function scalar(type: DatasetColumnType, text: string): string | number | boolean | null {
  if (isNumeric(type)) {
    const number = Number(text);
    return text.trim() === '' || !Number.isFinite(number) ? null : number;
  }
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(text)) return true;
    if (/^(false|no|0)$/i.test(text)) return false;
    return null;
  }
  return text;
}

/** Turns what was typed into a filter the API accepts, or says what is wrong with it. */
export function parseFilter(column: string, type: DatasetColumnType, op: FilterOp, text: string): Parsed {
  if (!needsValue(op)) return { ok: true, filter: { column, op } };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a value.' };
  const expected = isNumeric(type) ? 'a number' : type === 'boolean' ? 'true or false' : 'a value';
  if (op === 'in') {
    const parts = trimmed
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const values = parts.map((part) => scalar(type, part));
    if (values.some((v) => v === null || typeof v === 'boolean')) {
      return { ok: false, message: `Separate values with commas; each must be ${expected}.` };
    }
    return { ok: true, filter: { column, op, value: values as (string | number)[] } };
  }
  const value = scalar(type, type === 'string' ? text : trimmed);
  if (value === null) return { ok: false, message: `Enter ${expected}.` };
  return { ok: true, filter: { column, op, value } };
}

/** The value as the filter form shows it again for editing. */
export function filterValueText(filter: RowFilter): string {
  if (filter.value === undefined) return '';
  if (Array.isArray(filter.value)) return filter.value.join(', ');
  return String(filter.value);
}

/** `AESEV = SEVERE`, for a chip. */
export function describeFilter(filter: RowFilter): string {
  const value = needsValue(filter.op) ? ` ${filterValueText(filter)}` : '';
  return `${filter.column} ${OP_SYMBOLS[filter.op]}${value}`;
}

/** Filters from the URL: anything malformed is dropped rather than sent to the server. */
export function filtersFromSearch(value: unknown): RowFilter[] {
  if (!Array.isArray(value)) return [];
  const ops = Object.keys(OP_LABELS);
  return value
    .filter(
      (f): f is RowFilter =>
        typeof f === 'object' &&
        f !== null &&
        typeof (f as RowFilter).column === 'string' &&
        ops.includes((f as RowFilter).op),
    )
    .slice(0, 20)
    .map(({ column, op, value: v }) => (v === undefined ? { column, op } : { column, op, value: v }));
}
