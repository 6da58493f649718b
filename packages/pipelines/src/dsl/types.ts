import type { PipelineColumn } from '../executor.ts';

/** Column types as the DSL sees them: the dataset manifest's logical types. */
export type ColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime' | 'time';

export interface DslColumn {
  name: string;
  type: ColumnType;
  label?: string;
}

const COLUMN_TYPES = new Set<string>(['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'time']);

/** A manifest type (or a DuckDB type name) as a DSL type; unknown types are treated as text. */
export function columnType(type: string): ColumnType {
  const t = type.trim().toLowerCase();
  if (COLUMN_TYPES.has(t)) return t as ColumnType;
  if (t === 'varchar' || t.startsWith('varchar') || t === 'text' || t === 'uuid') return 'string';
  if (
    ['bigint', 'integer', 'smallint', 'tinyint', 'hugeint', 'ubigint', 'uinteger', 'usmallint', 'utinyint'].includes(t)
  )
    return 'integer';
  if (t === 'double' || t === 'float' || t === 'real' || t.startsWith('decimal')) return 'number';
  if (t === 'date') return 'date';
  if (t.startsWith('timestamp')) return 'datetime';
  if (t.startsWith('time')) return 'time';
  if (t === 'boolean') return 'boolean';
  return 'string';
}

export function toPipelineColumns(columns: DslColumn[]): PipelineColumn[] {
  return columns.map((c) =>
    c.label ? { name: c.name, type: c.type, label: c.label } : { name: c.name, type: c.type },
  );
}

export const isNumeric = (type: string) => type === 'number' || type === 'integer';
export const isTemporal = (type: string) => type === 'date' || type === 'datetime';

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'` with embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A number as a SQL literal that DuckDB reads as the same double (or integer). */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a finite number`);
  return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? String(value) : `CAST(${String(value)} AS DOUBLE)`;
}

/** Words for error messages. */
export const TYPE_WORDS: Record<ColumnType | 'null' | 'list', string> = {
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true/false',
  date: 'a date',
  datetime: 'a datetime',
  time: 'a time',
  null: 'missing',
  list: 'a list',
};
