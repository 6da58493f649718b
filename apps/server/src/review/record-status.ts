import { DatasetStore, defaultKey, type StoreColumn } from '@cdp/analytics';
import type { ReviewFieldChange, ReviewStatus } from '@cdp/contracts';
import { quoteIdent, quoteLiteral } from '@cdp/formats';
import type { DuckDBValue } from '@duckdb/node-api';
import type { VersionDataset } from '../data/version-data.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';

/**
 * A record's identity and content as review marks see them, computed in DuckDB over the whole
 * dataset at once (never row by row in JavaScript). Every value is written canonically as text —
 * numbers without storage noise (XPT stores `3` as the double `3.0`), text right-trimmed, blank as
 * missing — so the same record reads the same whether it came from XPT, CSV or Excel. The content
 * hash is the SHA-256 of the JSON object of every column's canonical value, columns in name order.
 */

let store: DatasetStore | null = null;
function storeOf(ctx: AppContext): DatasetStore {
  store ??= new DatasetStore({ memoryLimit: ctx.config.duckdbMemoryLimit });
  return store;
}

const NUMERIC = new Set(['number', 'integer']);
const ROW = '"__rv_rn"';
const KEY = '"__rv_k"';

/** The canonical text of one column's value, in DuckDB SQL. */
export function canonicalExpression(column: StoreColumn): string {
  const id = quoteIdent(column.name);
  if (NUMERIC.has(column.type)) {
    const d = `CAST(${id} AS DOUBLE)`;
    return `CASE WHEN ${d} IS NULL OR isnan(${d}) THEN NULL WHEN ${d} = trunc(${d}) AND abs(${d}) < 1e15 THEN CAST(CAST(${d} AS BIGINT) AS VARCHAR) ELSE CAST(${d} AS VARCHAR) END`;
  }
  return `NULLIF(rtrim(CAST(${id} AS VARCHAR)), '')`;
}

/** The same canonical text for a key value a client sends, for a column of `type`. */
export function canonicalValue(type: string, value: string | number): string | null {
  if (NUMERIC.has(type)) {
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (String(value).trim() === '' || !Number.isFinite(n)) return null;
    return String(n);
  }
  const text = String(value).trimEnd();
  return text === '' ? null : text;
}

/** `USUBJID=01-701-1015|AESEQ=3`: the text a record's marks are kept under. */
export function recordKeyText(key: string[], values: Record<string, string | null>): string {
  return key.map((name) => `${name}=${values[name] ?? ''}`).join('|');
}

function recordKeySql(dataset: ReviewDataset): string {
  const parts = dataset.key.flatMap((name, i) => {
    const column = columnOf(dataset, name);
    return [quoteLiteral(`${i === 0 ? '' : '|'}${name}=`), `coalesce(${canonicalExpression(column)}, '')`];
  });
  return `concat(${parts.join(', ')})`;
}

function contentJsonSql(dataset: ReviewDataset): string {
  const columns = [...dataset.columns].sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1));
  const pairs = columns.map((c) => `${quoteLiteral(c.name.toUpperCase())}, ${canonicalExpression(c)}`);
  return `CAST(json_object(${pairs.join(', ')}) AS VARCHAR)`;
}

/** A dataset of the active version whose records can carry marks. */
export interface ReviewDataset {
  name: string;
  file: string;
  /** The stored columns (never masked here: the hash is of the real values; readers get masked copies). */
  columns: StoreColumn[];
  key: string[];
  rows: number;
}

function columnOf(dataset: { columns: StoreColumn[] }, name: string): StoreColumn {
  const column = dataset.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
  if (!column) throw new Error(`column ${name} missing`);
  return column;
}

/** The key marks use for a dataset: USUBJID plus its --SEQ, or USUBJID alone; null when it has no USUBJID. */
export function reviewKeyOf(dataset: Pick<VersionDataset, 'name' | 'columns'>): string[] | null {
  const columns = dataset.columns.map((c) => ({ name: c.name, type: c.type }));
  const key = defaultKey(columns, columns, dataset.name);
  return key?.map((name) => columnOf({ columns }, name).name) ?? null;
}

export function reviewDatasetOf(dataset: VersionDataset): ReviewDataset | null {
  const key = reviewKeyOf(dataset);
  if (!key) return null;
  return {
    name: dataset.name.toUpperCase(),
    file: dataset.file,
    columns: dataset.columns.map((c) => ({ name: c.name, type: c.type })),
    key,
    rows: dataset.rows,
  };
}

/**
 * The client's key for a record, checked against the dataset's key columns and written
 * canonically. Names what is wrong: a missing or unexpected column, an empty value.
 */
export function parseRecordKey(
  dataset: ReviewDataset,
  key: Record<string, string | number>,
): { text: string; values: Record<string, string | null>; usubjid: string } {
  const given = new Map(Object.entries(key).map(([name, value]) => [name.toUpperCase(), value]));
  const expected = dataset.key.map((name) => name.toUpperCase());
  const extra = [...given.keys()].filter((name) => !expected.includes(name));
  const problem = (message: string) =>
    new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'body.key', message }] });
  if (extra.length > 0) {
    throw problem(
      `${dataset.name} records are keyed by ${dataset.key.join(' + ')}; ${extra.join(', ')} is not part of the key.`,
    );
  }
  const values: Record<string, string | null> = {};
  for (const name of dataset.key) {
    const raw = given.get(name.toUpperCase());
    if (raw === undefined)
      throw problem(`${dataset.name} records are keyed by ${dataset.key.join(' + ')}: ${name} is missing.`);
    const value = canonicalValue(columnOf(dataset, name).type, raw);
    if (value === null)
      throw problem(`${name} must be a ${NUMERIC.has(columnOf(dataset, name).type) ? 'number' : 'non-empty text'}.`);
    values[name] = value;
  }
  return { text: recordKeyText(dataset.key, values), values, usubjid: values.USUBJID ?? '' };
}

/** A record as the active version holds it: its key, subject, canonical values and their SHA-256. */
export interface CurrentRecord {
  recordKey: string;
  usubjid: string;
  values: Record<string, string | null>;
  sha256: string;
}

/** One mark as the status query takes it: the record's key and the hash it was reviewed with. */
export interface MarkedHash {
  k: string;
  h: string;
}

const MARKS_TYPE = quoteLiteral('[{"k":"VARCHAR","h":"VARCHAR"}]');
function marksSql(): string {
  return `SELECT unnest(from_json(CAST(? AS JSON), ${MARKS_TYPE}), recursive := true)`;
}

function usubjidSql(dataset: ReviewDataset): string {
  return canonicalExpression(columnOf(dataset, 'USUBJID'));
}

function toRecord(row: unknown[]): CurrentRecord {
  const json = String(row[2]);
  return {
    recordKey: String(row[0]),
    usubjid: row[1] === null ? '' : String(row[1]),
    values: JSON.parse(json) as Record<string, string | null>,
    sha256: '',
  };
}

async function run(ctx: AppContext, sql: string, params: DuckDBValue[]): Promise<unknown[][]> {
  return storeOf(ctx).withConnection(async (connection) => {
    const result = await connection.runAndReadAll(sql, params);
    return result.getRowsJson() as unknown[][];
  });
}

/** One record of the active version by key, with its canonical values and their SHA-256; null when gone. */
export async function recordNow(
  ctx: AppContext,
  dataset: ReviewDataset,
  recordKey: string,
): Promise<CurrentRecord | null> {
  const sql = `SELECT ${KEY}, ${usubjidSql(dataset)} AS u, ${contentJsonSql(dataset)} AS v, sha256(${contentJsonSql(dataset)}) AS h
    FROM (SELECT ${recordKeySql(dataset)} AS ${KEY}, * FROM read_parquet(${quoteLiteral(dataset.file)}))
    WHERE ${KEY} = ? LIMIT 2`;
  const rows = await run(ctx, sql, [recordKey]);
  if (rows.length > 1) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${dataset.name} has more than one record with ${recordKey}: its key ${dataset.key.join(' + ')} is not unique, so the record cannot be marked.`,
    );
  }
  const row = rows[0];
  if (!row) return null;
  return { ...toRecord(row), sha256: String(row[3]) };
}

export interface StatusCounts {
  rows: number;
  reviewed: number;
  changed: number;
  notReviewed: number;
  removed: number;
  keyProblem: string | null;
}

/**
 * Counts by status for one dataset against the marks in force. Only marked records are hashed:
 * the rest are "not reviewed" by definition, so a 1,000,000-row dataset with a thousand marks
 * hashes a thousand rows (joined by key, in DuckDB).
 */
export async function statusCounts(
  ctx: AppContext,
  dataset: ReviewDataset,
  marks: MarkedHash[],
): Promise<StatusCounts> {
  const sql = `WITH marks AS (${marksSql()}),
    cur AS (SELECT ${recordKeySql(dataset)} AS ${KEY}, * FROM read_parquet(${quoteLiteral(dataset.file)})),
    matched AS (SELECT marks.h = sha256(${contentJsonSql(dataset)}) AS same FROM cur JOIN marks ON cur.${KEY} = marks.k)
    SELECT (SELECT count(*) FROM cur), (SELECT count(DISTINCT ${KEY}) FROM cur),
      (SELECT count(*) FILTER (same) FROM matched), (SELECT count(*) FILTER (NOT same) FROM matched),
      (SELECT count(*) FROM matched), (SELECT count(*) FROM marks)`;
  const [row] = await run(ctx, sql, [JSON.stringify(marks)]);
  const [rows, distinct, reviewed, changed, matched, marked] = (row ?? []).map(Number) as number[];
  return {
    rows: rows ?? 0,
    reviewed: reviewed ?? 0,
    changed: changed ?? 0,
    notReviewed: (rows ?? 0) - (matched ?? 0),
    removed: (marked ?? 0) - (matched ?? 0),
    keyProblem:
      distinct !== rows
        ? `${dataset.key.join(' + ')} is not unique in ${dataset.name} (${distinct} distinct of ${rows} rows): marks may be ambiguous.`
        : null,
  };
}

export interface StatusRow extends CurrentRecord {
  status: Exclude<ReviewStatus, 'removed'>;
}

/**
 * A page of the active version's records of a dataset with their status, in file order, filtered
 * by status and subject. The status is decided in DuckDB (marked records hashed, the rest not
 * reviewed); values are read for the page only.
 */
export async function statusPage(
  ctx: AppContext,
  dataset: ReviewDataset,
  marks: MarkedHash[],
  options: { status?: Exclude<ReviewStatus, 'removed'>; usubjid?: string; offset: number; limit: number },
): Promise<{ rows: StatusRow[]; total: number }> {
  const params: DuckDBValue[] = [JSON.stringify(marks)];
  const subject = options.usubjid === undefined ? '' : `WHERE ${usubjidSql(dataset)} = ?`;
  if (options.usubjid !== undefined) params.push(options.usubjid);
  const statusFilter = options.status ? 'WHERE status = ?' : '';
  if (options.status) params.push(options.status);
  params.push(options.limit, options.offset);
  const sql = `WITH marks AS (${marksSql()}),
    cur AS (SELECT file_row_number AS ${ROW}, ${recordKeySql(dataset)} AS ${KEY}, *
            FROM read_parquet(${quoteLiteral(dataset.file)}, file_row_number = true) ${subject}),
    tagged AS (
      SELECT cur.*, CASE WHEN marks.k IS NULL THEN 'not_reviewed'
                         WHEN marks.h = sha256(${contentJsonSql(dataset)}) THEN 'reviewed' ELSE 'changed' END AS status
      FROM cur LEFT JOIN marks ON cur.${KEY} = marks.k)
    SELECT ${KEY}, ${usubjidSql(dataset)}, ${contentJsonSql(dataset)}, status, count(*) OVER () AS total
    FROM tagged ${statusFilter} ORDER BY ${ROW} LIMIT ? OFFSET ?`;
  const rows = await run(ctx, sql, params);
  const total = rows[0] ? Number(rows[0][4]) : await countOnly(ctx, sql, params);
  return {
    rows: rows.map((row) => ({ ...toRecord(row), status: row[3] as StatusRow['status'] })),
    total,
  };
}

/** The total when the page is past the end (no row carries the window count). */
async function countOnly(ctx: AppContext, pageSql: string, params: DuckDBValue[]): Promise<number> {
  const [row] = await run(
    ctx,
    `SELECT count(*) FROM (${pageSql.replace(/LIMIT \? OFFSET \?$/, '')})`,
    params.slice(0, -2),
  );
  return Number(row?.[0] ?? 0);
}

/** Which of the marked keys the active version no longer holds. */
export async function removedKeys(ctx: AppContext, dataset: ReviewDataset, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const sql = `WITH marks AS (${marksSql()})
    SELECT marks.k FROM marks ANTI JOIN (SELECT ${recordKeySql(dataset)} AS ${KEY} FROM read_parquet(${quoteLiteral(dataset.file)})) cur
    ON cur.${KEY} = marks.k`;
  const rows = await run(ctx, sql, [JSON.stringify(keys.map((k) => ({ k, h: '' })))]);
  return new Set(rows.map((row) => String(row[0])));
}

/** Field by field, what differs between the reviewed values and the current ones (columns in name order). */
export function fieldChanges(
  reviewed: Record<string, string | null>,
  current: Record<string, string | null>,
): ReviewFieldChange[] {
  const names = [...new Set([...Object.keys(reviewed), ...Object.keys(current)])].sort();
  return names
    .filter(
      (name) =>
        (reviewed[name] ?? null) !== (current[name] ?? null) ||
        Object.hasOwn(reviewed, name) !== Object.hasOwn(current, name),
    )
    .map((name) => ({ column: name, from: reviewed[name] ?? null, to: current[name] ?? null }));
}
