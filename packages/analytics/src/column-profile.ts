import { quoteLiteral } from '@cdp/formats';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';
import { columnNamed, ident, jsonCell } from './values.ts';

export interface ColumnProfile {
  name: string;
  type: string;
  rows: number;
  missing: number;
  distinct: number;
  min: unknown;
  max: unknown;
  mean: number | null;
  top: { value: unknown; count: number }[];
}

const NUMERIC = new Set(['number', 'integer']);

/** What a data manager asks of a column first: how full, how varied, what range, which values. */
export async function profileColumn(
  store: DatasetStore,
  dataset: StoredDataset,
  name: string,
  topN = 10,
): Promise<ColumnProfile> {
  const column = columnNamed(dataset.columns, name, 'column');
  const id = ident(column);
  const from = `read_parquet(${quoteLiteral(dataset.file)})`;
  // Blank text counts as missing: SAS has no null for character values, only blanks.
  const missing =
    column.type === 'string'
      ? `count(*) FILTER (WHERE ${id} IS NULL OR trim(${id}) = '')`
      : `count(*) FILTER (WHERE ${id} IS NULL)`;
  const mean = NUMERIC.has(column.type) ? `avg(${id})` : 'NULL';
  return store.withConnection(async (connection) => {
    const stats = await connection.runAndReadAll(
      `SELECT count(*), ${missing}, count(DISTINCT ${id}), min(${id}), max(${id}), ${mean} FROM ${from}`,
    );
    const [rows, missingCount, distinct, min, max, avg] = stats.getRowsJson()[0] ?? [];
    const top = await connection.runAndReadAll(
      `SELECT ${id}, count(*) AS n FROM ${from} GROUP BY ${id} ORDER BY n DESC, ${id} NULLS LAST LIMIT ?`,
      [topN],
    );
    return {
      name: column.name,
      type: column.type,
      rows: Number(rows ?? 0),
      missing: Number(missingCount ?? 0),
      distinct: Number(distinct ?? 0),
      min: jsonCell(column.type, min),
      max: jsonCell(column.type, max),
      mean: avg === null || avg === undefined ? null : Number(avg),
      top: top.getRowsJson().map(([value, n]) => ({ value: jsonCell(column.type, value), count: Number(n) })),
    };
  });
}
