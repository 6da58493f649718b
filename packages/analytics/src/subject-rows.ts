import { viewQuery } from './dataset-rows.ts';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';
import { ident, jsonCell } from './values.ts';

/** One dataset's rows for one subject: cells in column order, and how many rows the subject has. */
export interface SubjectRows {
  rows: unknown[][];
  total: number;
}

/**
 * The rows of `dataset` whose `column` equals `subjectId`, in file order, at most `limit` of them:
 * one filtered read through `datasetSource` (masked PHI replaced before the filter sees it; a
 * masked subject column is refused like any filter on PHI). `limit: 0` counts without reading.
 */
export async function readSubjectRows(
  store: DatasetStore,
  dataset: StoredDataset,
  column: string,
  subjectId: string,
  limit: number,
): Promise<SubjectRows> {
  const { from, where, params, orderBy } = viewQuery(dataset, {
    filters: [{ column, op: 'eq', value: subjectId }],
  });
  return store.withConnection(async (connection) => {
    if (limit === 0) {
      const count = await connection.runAndReadAll(`SELECT count(*) FROM ${from} ${where}`, params);
      return { rows: [], total: Number(count.getRowsJson()[0]?.[0] ?? 0) };
    }
    // The total rides along as a window over the filtered rows, so one scan answers both.
    const select = dataset.columns.map(ident).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT ${select}, count(*) OVER () AS "__cdp_total" FROM ${from} ${where} ${orderBy} LIMIT ?`,
      [...params, limit],
    );
    const types = dataset.columns.map((c) => c.type);
    const raw = reader.getRowsJson();
    const total = raw.length > 0 ? Number(raw[0]?.at(-1) ?? 0) : 0;
    const rows = raw.map((row) => row.slice(0, -1).map((cell, i) => jsonCell(types[i] ?? 'string', cell)));
    return { rows, total };
  });
}
