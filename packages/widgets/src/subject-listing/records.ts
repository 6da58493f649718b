import { toNumber } from '../format.ts';

export type ResultRecord = Record<string, unknown>;

/** Rows and named columns: a query result or a widget table. */
interface Tabular {
  columns: Array<{ name: string }>;
  rows: unknown[][];
}

/**
 * Rows keyed by column name; a missing result (a query that was not run) has no rows. Like
 * `records` in format.ts, but it also reads a widget table (in `toChartOption`).
 */
export function records(result: Tabular | undefined): ResultRecord[] {
  if (!result) return [];
  const names = result.columns.map((column) => column.name);
  return result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? null])));
}

/** A count cell: missing counts are zero. */
export function count(value: unknown): number {
  return toNumber(value) ?? 0;
}

/** A dimension cell as text; blank text (SAS missing character values) counts as missing. */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.trim() === '' ? null : text;
}
