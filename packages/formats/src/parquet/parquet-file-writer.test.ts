import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, DatasetReader, RowBatch, ValueType } from '../types.ts';
import { compareCodePoints } from './column-encoding.ts';
import { type OpenDuckDb, openDuckDb, quoteLiteral } from './duckdb.ts';
import { ROW_GROUP_ROWS } from './parquet-file-writer.ts';
import { writeParquet } from './write-parquet.ts';

/**
 * Our Parquet writer against DuckDB itself: the same doubles are converted by DuckDB's SQL (the
 * expressions the DuckDB write path used: `CAST(x AS BIGINT)`, `round(x * 1000)`, ...) and by our
 * writer, and DuckDB must read back the same values and types, and use our statistics correctly.
 */
let dir: string;
let duck: OpenDuckDb;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdp-parquet-writer-'));
  duck = await openDuckDb();
});
afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

function datasetOf(columns: ColumnInfo[], batches: RowBatch[]): DatasetReader {
  return {
    info: { name: 'T', columns },
    async *batches() {
      yield* batches;
    },
  };
}

/** What DuckDB's SQL makes of a staged double (the reference the writer must match). */
const REFERENCE: Record<Exclude<ValueType, 'string'>, (x: string) => string> = {
  number: (x) => x,
  integer: (x) => `CAST(${x} AS BIGINT)`,
  boolean: (x) => `(${x} <> 0)`,
  date: (x) => `(DATE '1970-01-01' + CAST(floor(${x}) AS INTEGER))`,
  datetime: (x) => `make_timestamp(CAST(round(${x} * 1000) AS BIGINT))`,
  time: (x) => `(TIME '00:00:00' + to_microseconds(CAST(round(${x} * 1000000) AS BIGINT)))`,
};

async function rows(sql: string): Promise<unknown[][]> {
  return (await duck.connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
}

describe('our Parquet writer', () => {
  it('converts numbers exactly as DuckDB SQL does (rounding, negatives, wrapping times, missing)', async () => {
    const values = [
      0,
      2.5,
      -2.5,
      3.5,
      -0.5,
      0.49999999999999994,
      1_000_000_000.5,
      -86_400.25,
      90_000.5,
      1.0000005,
      Number.NaN,
    ];
    const types = Object.keys(REFERENCE) as Exclude<ValueType, 'string'>[];
    const columns: ColumnInfo[] = types.map((type) => ({ name: type.toUpperCase(), type }));
    const batch: RowBatch = { length: values.length, columns: types.map(() => Float64Array.from(values)) };
    const file = join(dir, 'numbers.parquet');
    await writeParquet(datasetOf(columns, [batch]), file);

    const staged = values.map((v, i) => `(${i}, ${Number.isNaN(v) ? 'NULL' : `${v}::DOUBLE`})`).join(', ');
    const want = await rows(
      `SELECT ${types.map((t) => REFERENCE[t]('x')).join(', ')} FROM (VALUES ${staged}) v(i, x) ORDER BY i`,
    );
    expect(await rows(`SELECT * FROM read_parquet(${quoteLiteral(file)})`)).toEqual(want);
    const described = await rows(
      `SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)}))`,
    );
    expect(described.map((r) => r[0])).toEqual(['DOUBLE', 'BIGINT', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'TIME']);
  });

  it('refuses a value DuckDB cannot hold, naming row and column', async () => {
    const columns: ColumnInfo[] = [{ name: 'AESTDT', type: 'date' }];
    const batch: RowBatch = { length: 3, columns: [Float64Array.from([1, 2, 3e12])] };
    await expect(
      writeParquet(datasetOf(columns, [batch]), join(dir, 'far.parquet'), { fileName: 'ae.xpt' }),
    ).rejects.toThrow(
      'ae.xpt, dataset T, row 3, column AESTDT: the value 3000000000000 is a date out of range (beyond year ±5 million)',
    );
  });

  it('writes text in dictionaries and plain, across row groups, with statistics DuckDB filters by', async () => {
    // 300,000 rows: three row groups. SITE has 5 values (a dictionary); NOTE is unique per row, so it
    // turns PLAIN after its first batch; WORD mixes ASCII, accents, CJK and a character past U+FFFF.
    const n = 300_000;
    const words = ['zebra', 'Äpfel', 'naïve', '日本', '😀smile', '\uffefbom', 'a'];
    const batches: RowBatch[] = [];
    for (let start = 0; start < n; start += 8192) {
      const length = Math.min(8192, n - start);
      const at = (i: number) => start + i;
      batches.push({
        length,
        columns: [
          Array.from({ length }, (_, i) => (at(i) % 7 === 0 ? null : `SITE-${at(i) % 5}`)),
          Array.from({ length }, (_, i) => (at(i) % 11 === 0 ? null : `note ${at(i)} ${'x'.repeat(at(i) % 40)}`)),
          Array.from({ length }, (_, i) => words[at(i) % words.length] as string),
          Float64Array.from({ length }, (_, i) => (at(i) % 13 === 0 ? Number.NaN : at(i) - 1000.5)),
        ],
      });
    }
    const columns: ColumnInfo[] = [
      { name: 'SITE', type: 'string' },
      { name: 'NOTE', type: 'string' },
      { name: 'WORD', type: 'string' },
      { name: 'VALUE', type: 'number' },
    ];
    const file = join(dir, 'text.parquet');
    const result = await writeParquet(datasetOf(columns, batches), file);
    expect(result.rows).toBe(n);
    const parquet = `read_parquet(${quoteLiteral(file)})`;

    const groups = await rows(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${quoteLiteral(file)})`);
    expect(Number(groups[0]?.[0])).toBe(Math.ceil(n / ROW_GROUP_ROWS));
    // Independent of our statistics: the same aggregates over the values as JavaScript computes them.
    let notes = 0;
    let site3 = 0;
    let sum = 0;
    for (let r = 0; r < n; r++) {
      if (r % 11 !== 0) notes++;
      if (r % 7 !== 0 && r % 5 === 3) site3++;
      if (r % 13 !== 0) sum += r - 1000.5;
    }
    expect(
      await rows(`SELECT count(NOTE), count(*) FILTER (WHERE SITE = 'SITE-3'), sum(VALUE) FROM ${parquet}`),
    ).toEqual([[String(notes), String(site3), sum]]);
    expect(await rows(`SELECT NOTE, WORD FROM ${parquet} WHERE VALUE = 123456 - 1000.5`)).toEqual([
      [`note 123456 ${'x'.repeat(123456 % 40)}`, words[123456 % words.length]],
    ]);
    // Statistics in use: filters below, above and at the edges of every row group's range.
    const sorted = [...words].sort(compareCodePoints);
    expect(await rows(`SELECT min(WORD), max(WORD) FROM ${parquet}`)).toEqual([[sorted[0], sorted.at(-1)]]);
    expect(await rows(`SELECT count(*) FROM ${parquet} WHERE WORD = '😀smile'`)).toEqual([
      [String(Array.from({ length: n }, (_, r) => r).filter((r) => r % words.length === 4).length)],
    ]);
    expect(await rows(`SELECT count(*) FROM ${parquet} WHERE VALUE > ${n - 1002} OR VALUE < -999`)).toEqual([
      [
        String(
          Array.from({ length: n }, (_, r) => r).filter(
            (r) => r % 13 !== 0 && (r - 1000.5 > n - 1002 || r - 1000.5 < -999),
          ).length,
        ),
      ],
    ]);
    const stats = await rows(
      `SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata(${quoteLiteral(file)}) WHERE row_group_id = 0 ORDER BY column_id`,
    );
    expect(stats[0]).toEqual(['SITE', 'SITE-0', 'SITE-4', String(Math.ceil(ROW_GROUP_ROWS / 7))]);
    expect(stats[2]?.slice(1, 3)).toEqual([sorted[0], sorted.at(-1)]);
  }, 60_000);

  it('writes eight whole row groups from buffers it reuses, each with its own values', async () => {
    // A whole row group per batch, pages of ~1 MB (compressed on libuv's pool): the page buffers
    // are reused from group to group, so each group must read back with its own values.
    const groups = 8;
    const batches: RowBatch[] = Array.from({ length: groups }, (_, g) => ({
      length: ROW_GROUP_ROWS,
      columns: [
        Float64Array.from({ length: ROW_GROUP_ROWS }, (_, i) => g * 1_000_000 + ((i * 7919) % ROW_GROUP_ROWS)),
        Array.from({ length: ROW_GROUP_ROWS }, (_, i) => `G${g}-${i % 5000}`),
      ],
    }));
    const columns: ColumnInfo[] = [
      { name: 'X', type: 'number' },
      { name: 'T', type: 'string' },
    ];
    const file = join(dir, 'groups.parquet');
    await writeParquet(datasetOf(columns, batches), file);
    const sum = (ROW_GROUP_ROWS * (ROW_GROUP_ROWS - 1)) / 2;
    expect(
      await rows(
        `SELECT CAST(floor(X / 1000000) AS INTEGER) AS g, sum(X) - g * 1000000 * count(*), count(DISTINCT T), min(T), max(T) FROM read_parquet(${quoteLiteral(file)}) GROUP BY g ORDER BY g`,
      ),
    ).toEqual(Array.from({ length: groups }, (_, g) => [g, sum, '5000', `G${g}-0`, `G${g}-999`]));
  }, 60_000);

  it('orders text by code point, as UTF-8 bytes sort', () => {
    const texts = ['\uffef', '😀', 'z', 'é', '\ue000', 'a', ''];
    const bytes = [...texts].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...texts].sort(compareCodePoints)).toEqual(bytes);
  });
});
