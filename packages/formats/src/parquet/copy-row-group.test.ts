import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, RowBatch } from '../types.ts';
import { type OpenDuckDb, openDuckDb, quoteLiteral } from './duckdb.ts';
import { ParquetFileWriter } from './parquet-file-writer.ts';

/**
 * Row groups cut where the caller says and copied byte for byte into another file (what a Rave
 * incremental pull does with the form datasets' unchanged groups): DuckDB must read the new file
 * with the same values and the copied groups' statistics, and the writer's digest must be the file's.
 */
let dir: string;
let duck: OpenDuckDb;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdp-copy-row-group-'));
  duck = await openDuckDb();
});
afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

const COLUMNS: ColumnInfo[] = [
  { name: 'SUBJ', type: 'string' },
  { name: 'N', type: 'integer' },
  { name: 'X', type: 'number' },
  { name: 'D', type: 'date' },
  { name: 'T', type: 'string' },
];

/** Rows `from`..`to` of a made-up dataset: text with repeats (dictionary) and unique text (plain), nulls. */
function batch(from: number, to: number): RowBatch {
  const n = to - from;
  const at = (i: number) => from + i;
  return {
    length: n,
    columns: [
      Array.from({ length: n }, (_, i) => `S${String(Math.floor(at(i) / 10)).padStart(3, '0')}`),
      Float64Array.from({ length: n }, (_, i) => (at(i) % 7 === 0 ? Number.NaN : at(i) * 3)),
      Float64Array.from({ length: n }, (_, i) => at(i) / 4),
      Float64Array.from({ length: n }, (_, i) => 19_000 + at(i)),
      Array.from({ length: n }, (_, i) => (at(i) % 5 === 0 ? null : `value ${at(i)} ${'é'.repeat(at(i) % 3)}`)),
    ],
  };
}

async function query(sql: string): Promise<unknown[][]> {
  return (await duck.connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
}

const stats = (file: string, group: number) =>
  query(
    `SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count, num_values
     FROM parquet_metadata(${quoteLiteral(file)}) WHERE row_group_id = ${group} ORDER BY column_id`,
  );

describe('row groups cut by the caller and copied into another file', () => {
  it('reads back the copied groups and new ones in the order written, with their statistics', async () => {
    const source = join(dir, 'source.parquet');
    const writer = await ParquetFileWriter.create(source, COLUMNS, { 'cdp.test': 'source' });
    for (const [from, to] of [
      [0, 30],
      [30, 45],
      [45, 100],
    ] as const) {
      await writer.write(batch(from, to));
      await writer.endRowGroup();
    }
    await writer.close();
    const [group0, , group2] = writer.rowGroups;
    expect(writer.rowGroups.map((g) => g.rows)).toEqual([30, 15, 55]);
    if (!group0 || !group2) throw new Error('row groups missing');

    const target = join(dir, 'target.parquet');
    const handle = await open(source, 'r');
    const spliced = await ParquetFileWriter.create(target, COLUMNS, { 'cdp.test': 'target' });
    try {
      await spliced.copyRowGroup(handle, group2);
      await spliced.write(batch(500, 520));
      await spliced.copyRowGroup(handle, group0); // the new rows become a group of their own first
    } finally {
      await handle.close();
    }
    expect(await spliced.close()).toBe(105);

    const all = `SELECT * FROM read_parquet(${quoteLiteral(source)})`;
    const expected = [
      ...(await query(`${all} LIMIT 55 OFFSET 45`)),
      ...(await query(`SELECT * FROM (VALUES ${rowsSql(500, 520)})`)),
      ...(await query(`${all} LIMIT 30`)),
    ];
    expect(await query(`SELECT * FROM read_parquet(${quoteLiteral(target)})`)).toEqual(expected);
    expect(spliced.rowGroups.map((g) => g.rows)).toEqual([55, 20, 30]);
    expect(await stats(target, 0)).toEqual(await stats(source, 2));
    expect(await stats(target, 2)).toEqual(await stats(source, 0));
    // Statistics still prune: S005 lies in the first copied group only.
    expect(await query(`SELECT count(*) FROM read_parquet(${quoteLiteral(target)}) WHERE SUBJ = 'S005'`)).toEqual([
      ['10'],
    ]);
    const bytes = await readFile(target);
    expect(spliced.digest).toEqual({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('refuses a row group of a file with other columns', async () => {
    const source = join(dir, 'narrow.parquet');
    const writer = await ParquetFileWriter.create(source, COLUMNS.slice(0, 2), {});
    await writer.write({ length: 1, columns: [['a'], Float64Array.of(1)] });
    await writer.close();
    const target = await ParquetFileWriter.create(join(dir, 'wide.parquet'), COLUMNS, {});
    const [group] = writer.rowGroups;
    if (!group) throw new Error('no row group');
    const handle = await open(source, 'r');
    try {
      await expect(target.copyRowGroup(handle, group)).rejects.toThrow(
        'a copied row group has 2 columns where the file has 5',
      );
    } finally {
      await handle.close();
      await target.abort();
    }
  });
});

/** The rows of `batch(from, to)` as DuckDB SQL values, typed as the file's columns. */
function rowsSql(from: number, to: number): string {
  const b = batch(from, to);
  const text = (v: unknown) => (v === null ? 'NULL::VARCHAR' : quoteLiteral(String(v)));
  return Array.from({ length: b.length }, (_, i) => {
    const [s, n, x, d, t] = b.columns.map((c) => (c as (string | null)[] | Float64Array)[i]);
    const int = Number.isNaN(n) ? 'NULL::BIGINT' : `${n}::BIGINT`;
    return `(${text(s)}, ${int}, ${x}::DOUBLE, DATE '1970-01-01' + ${d}::INTEGER, ${text(t)})`;
  }).join(', ');
}
