import { logicalType } from '@cdp/formats';

/** The dataset manifest's column types as DuckDB types, for checking a definition without its files. */
const DUCK_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  time: 'TIME',
};

/** A manifest type (`string`, `date`, …) as a DuckDB type; a DuckDB type name passes through; anything else is text. */
export function duckTypeOf(type: string): string {
  const known = DUCK_TYPES[type.toLowerCase()];
  if (known) return known;
  return /^[A-Za-z][A-Za-z0-9_]*(\(\d+(,\s*\d+)?\))?$/.test(type) ? type.toUpperCase() : 'VARCHAR';
}

/** A DuckDB type as the manifest's logical type; types we do not store keep DuckDB's name, lower-cased. */
export function manifestTypeOf(duckType: string): string {
  const logical = logicalType(duckType);
  if (logical === 'varchar-cast') return 'string';
  return logical ?? duckType.toLowerCase();
}
