import { quoteLiteral } from '@cdp/formats';
import type { DuckDBValue } from '@duckdb/node-api';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';
import { datasetSource, refuseMasked } from './protected-source.ts';
import { QueryError } from './query-error.ts';
import { bindValue, columnNamed, ident, jsonCell } from './values.ts';

export type RowFilterOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains' | 'starts' | 'in' | 'null' | 'notnull';

export interface RowFilter {
  column: string;
  op: RowFilterOp;
  value?: unknown;
}

export interface RowsRequest {
  offset: number;
  limit: number;
  /** `COL` ascending, `-COL` descending. */
  sort?: string;
  filters: RowFilter[];
  /**
   * Keep `only` the rows at these file row numbers, or every row `except` them (a set the server
   * decided elsewhere, e.g. the records of a review status), ANDed with `filters`.
   */
  rowSet?: RowSet;
}

export interface RowSet {
  keep: 'only' | 'except';
  rows: number[];
}

const COMPARISONS: Partial<Record<RowFilterOp, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** `WHERE` clause and its parameters; every column is checked against the dataset's schema. */
export function compileFilters(dataset: StoredDataset, filters: RowFilter[]): { where: string; params: DuckDBValue[] } {
  const clauses: string[] = [];
  const params: DuckDBValue[] = [];
  filters.forEach((filter, i) => {
    const param = `filter[${i}]`;
    const column = columnNamed(dataset.columns, filter.column, param);
    refuseMasked(column, param, 'filter rows');
    const id = ident(column);
    const comparison = COMPARISONS[filter.op];
    if (comparison) {
      const bound = bindValue(column, filter.value, param);
      clauses.push(`${id} ${comparison} ${bound.sql}`);
      params.push(bound.value);
    } else if (filter.op === 'contains' || filter.op === 'starts') {
      if (filter.value === undefined || filter.value === null || typeof filter.value === 'object') {
        throw new QueryError(`${param}: ${filter.op} needs a text value`, param);
      }
      clauses.push(`${filter.op === 'contains' ? 'contains' : 'starts_with'}(lower(CAST(${id} AS VARCHAR)), lower(?))`);
      params.push(String(filter.value));
    } else if (filter.op === 'in') {
      const values = Array.isArray(filter.value) ? filter.value : [filter.value];
      if (values.length === 0) throw new QueryError(`${param}: in needs at least one value`, param);
      const bound = values.map((v) => bindValue(column, v, param));
      clauses.push(`${id} IN (${bound.map((b) => b.sql).join(', ')})`);
      params.push(...bound.map((b) => b.value));
    } else if (filter.op === 'null') clauses.push(`${id} IS NULL`);
    else clauses.push(`${id} IS NOT NULL`);
  });
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * `SELECT` of every column, filtered and sorted as the viewer shows them. `file_row_number` keeps
 * ties (and an unsorted view) in file order, so paging never repeats a row.
 */
export function viewQuery(
  dataset: StoredDataset,
  view: Pick<RowsRequest, 'sort' | 'filters' | 'rowSet'>,
): { sql: string; params: DuckDBValue[]; from: string; where: string; orderBy: string } {
  const compiled = compileFilters(dataset, view.filters);
  let { where } = compiled;
  const params = [...compiled.params];
  if (view.rowSet) {
    // One JSON parameter whatever the set's size (a 1,000-value IN list would be 1,000 parameters).
    const clause = `file_row_number ${view.rowSet.keep === 'only' ? 'IN' : 'NOT IN'} (SELECT unnest(from_json(CAST(? AS JSON), '["BIGINT"]')))`;
    where = where ? `${where} AND ${clause}` : `WHERE ${clause}`;
    params.push(JSON.stringify(view.rowSet.rows));
  }
  let orderBy = 'ORDER BY file_row_number';
  if (view.sort) {
    const descending = view.sort.startsWith('-');
    const column = columnNamed(dataset.columns, descending ? view.sort.slice(1) : view.sort, 'sort');
    refuseMasked(column, 'sort', 'sort rows');
    // file_row_number keeps ties in file order, so paging through a sorted dataset never repeats a row.
    orderBy = `ORDER BY ${ident(column)} ${descending ? 'DESC' : 'ASC'} NULLS LAST, file_row_number`;
  }
  const from = datasetSource(dataset, { rowNumbers: true });
  const select = dataset.columns.map(ident).join(', ');
  return { sql: `SELECT ${select} FROM ${from} ${where} ${orderBy}`, params, from, where, orderBy };
}

/**
 * The rows of a view (filters and sort as on screen) written to `target` as Parquet, in that order,
 * with the dataset's columns: the server then writes it with its one CSV writer.
 */
export async function exportViewParquet(
  store: DatasetStore,
  dataset: StoredDataset,
  view: Pick<RowsRequest, 'sort' | 'filters' | 'rowSet'>,
  target: string,
): Promise<void> {
  const { sql, params } = viewQuery(dataset, view);
  await store.withConnection((connection) =>
    connection.run(`COPY (${sql}) TO ${quoteLiteral(target)} (FORMAT parquet)`, params),
  );
}

/** A page of a dataset's rows, sorted and filtered, with the total the filters leave. */
export async function readRows(
  store: DatasetStore,
  dataset: StoredDataset,
  request: RowsRequest,
): Promise<{ rows: unknown[][]; total: number }> {
  const { params, from, where, orderBy } = viewQuery(dataset, request);
  const types = dataset.columns.map((c) => c.type);
  return store.withConnection(async (connection) => {
    const count = await connection.runAndReadAll(`SELECT count(*) FROM ${from} ${where}`, params);
    const total = Number(count.getRowsJson()[0]?.[0] ?? 0);
    if (dataset.columns.length <= COLUMNS_PER_READ) {
      const select = dataset.columns.map(ident).join(', ');
      const page = await connection.runAndReadAll(
        `SELECT ${select} FROM ${from} ${where} ${orderBy} LIMIT ? OFFSET ?`,
        [...params, request.limit, request.offset],
      );
      const rows = page.getRowsJson().map((row) => row.map((cell, i) => jsonCell(types[i] ?? 'string', cell)));
      return { rows, total };
    }
    // A wide dataset: DuckDB holds a 2,048-row vector per column it reads, so 10,000 columns at once
    // would need about a gigabyte. The page's rows are found first (reading only the filter and sort
    // columns), then fetched a slice of columns at a time and put side by side.
    const numbers = await connection.runAndReadAll(
      `SELECT file_row_number FROM ${from} ${where} ${orderBy} LIMIT ? OFFSET ?`,
      [...params, request.limit, request.offset],
    );
    const order = numbers.getRowsJson().map((row) => Number(row[0]));
    const rows: unknown[][] = order.map(() => []);
    if (order.length === 0) return { rows, total };
    const position = new Map(order.map((n, i) => [n, i]));
    for (let start = 0; start < dataset.columns.length; start += COLUMNS_PER_READ) {
      const slice = dataset.columns.slice(start, start + COLUMNS_PER_READ);
      const part = await connection.runAndReadAll(
        `SELECT file_row_number, ${slice.map(ident).join(', ')} FROM ${from} WHERE file_row_number IN (${order.map(() => '?').join(', ')})`,
        order.map((n) => BigInt(n)),
      );
      for (const [number, ...cells] of part.getRowsJson()) {
        const row = rows[position.get(Number(number)) ?? -1];
        if (row) row.push(...cells.map((cell, i) => jsonCell(types[start + i] ?? 'string', cell)));
      }
    }
    return { rows, total };
  });
}

/** Columns read in one query; wider datasets are read in slices (see `readRows`). */
export const COLUMNS_PER_READ = 500;
