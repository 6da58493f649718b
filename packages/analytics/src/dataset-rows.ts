import { quoteLiteral } from '@cdp/formats';
import type { DuckDBValue } from '@duckdb/node-api';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';
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
}

const COMPARISONS: Partial<Record<RowFilterOp, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** `WHERE` clause and its parameters; every column is checked against the dataset's schema. */
export function compileFilters(dataset: StoredDataset, filters: RowFilter[]): { where: string; params: DuckDBValue[] } {
  const clauses: string[] = [];
  const params: DuckDBValue[] = [];
  filters.forEach((filter, i) => {
    const param = `filter[${i}]`;
    const column = columnNamed(dataset.columns, filter.column, param);
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
  view: Pick<RowsRequest, 'sort' | 'filters'>,
): { sql: string; params: DuckDBValue[]; from: string; where: string } {
  const { where, params } = compileFilters(dataset, view.filters);
  let orderBy = 'ORDER BY file_row_number';
  if (view.sort) {
    const descending = view.sort.startsWith('-');
    const column = columnNamed(dataset.columns, descending ? view.sort.slice(1) : view.sort, 'sort');
    orderBy = `ORDER BY ${ident(column)} ${descending ? 'DESC' : 'ASC'} NULLS LAST, file_row_number`;
  }
  const from = `read_parquet(${quoteLiteral(dataset.file)}, file_row_number = true)`;
  const select = dataset.columns.map(ident).join(', ');
  return { sql: `SELECT ${select} FROM ${from} ${where} ${orderBy}`, params, from, where };
}

/** The rows of a view (filters and sort as on screen) written to `target` as CSV with a header. */
export async function exportViewCsv(
  store: DatasetStore,
  dataset: StoredDataset,
  view: Pick<RowsRequest, 'sort' | 'filters'>,
  target: string,
): Promise<void> {
  const { sql, params } = viewQuery(dataset, view);
  await store.withConnection((connection) =>
    connection.run(`COPY (${sql}) TO ${quoteLiteral(target)} (FORMAT csv, HEADER true)`, params),
  );
}

/** A page of a dataset's rows, sorted and filtered, with the total the filters leave. */
export async function readRows(
  store: DatasetStore,
  dataset: StoredDataset,
  request: RowsRequest,
): Promise<{ rows: unknown[][]; total: number }> {
  const { sql, params, from, where } = viewQuery(dataset, request);
  return store.withConnection(async (connection) => {
    const page = await connection.runAndReadAll(`${sql} LIMIT ? OFFSET ?`, [...params, request.limit, request.offset]);
    const count = await connection.runAndReadAll(`SELECT count(*) FROM ${from} ${where}`, params);
    const types = dataset.columns.map((c) => c.type);
    const rows = page.getRowsJson().map((row) => row.map((cell, i) => jsonCell(types[i] ?? 'string', cell)));
    return { rows, total: Number(count.getRowsJson()[0]?.[0] ?? 0) };
  });
}
