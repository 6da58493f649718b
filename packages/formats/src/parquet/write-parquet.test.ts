import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import type { DatasetInfo, DatasetReader, RowBatch } from '../types.ts';
import { openDuckDb } from './duckdb.ts';
import { readParquetSchema } from './read-parquet.ts';
import { writeParquet } from './write-parquet.ts';

function datasetOf(info: DatasetInfo, batches: RowBatch[]): DatasetReader {
  return {
    info,
    async *batches() {
      yield* batches;
    },
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdp-parquet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeParquet', () => {
  const info: DatasetInfo = {
    name: 'AE',
    label: 'Adverse Events',
    columns: [
      { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'string', length: 20 },
      { name: 'AESEQ', label: 'Sequence Number', type: 'number', format: '8.' },
      { name: 'AESTDT', label: 'Start Date', type: 'date', format: 'DATE9.' },
      { name: 'AESTDTM', type: 'datetime', format: 'DATETIME20.' },
      { name: 'AESTTM', type: 'time', format: 'TIME8.' },
      { name: 'lower "quoted" name', type: 'integer' },
      { name: 'FLAG', type: 'boolean' },
    ],
  };

  it('keeps names, values, missing values and types, and carries labels in the metadata', async () => {
    // Two batches, the first longer than one DuckDB chunk, so chunk boundaries are crossed.
    const n = 3000;
    const first: RowBatch = {
      length: n,
      columns: [
        Array.from({ length: n }, (_, i) => (i === 5 ? null : `CDP-${i}`)),
        Float64Array.from({ length: n }, (_, i) => (i === 7 ? Number.NaN : i + 0.5)),
        Float64Array.from({ length: n }, (_, i) => (i === 9 ? Number.NaN : 19_000 + i)),
        Float64Array.from({ length: n }, () => Date.UTC(2024, 0, 2, 3, 4, 5, 250)),
        Float64Array.from({ length: n }, () => 3725.5),
        Float64Array.from({ length: n }, (_, i) => i),
        Float64Array.from({ length: n }, (_, i) => i % 2),
      ],
    };
    const second: RowBatch = {
      length: 1,
      columns: [
        ['LAST'],
        new Float64Array([1]),
        new Float64Array([0]),
        new Float64Array([0]),
        new Float64Array([0]),
        new Float64Array([-1]),
        new Float64Array([Number.NaN]),
      ],
    };
    const file = join(dir, 'ae.parquet');
    const result = await writeParquet(datasetOf(info, [first, second]), file);
    expect(result).toMatchObject({ name: 'AE', rows: 3001 });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);

    const db = await openDuckDb();
    try {
      const reader = await db.connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
      expect(reader.columnNames()).toEqual(info.columns.map((c) => c.name));
      const rows = reader.getRowsJson();
      expect(rows[0]).toEqual(['CDP-0', 0.5, '2022-01-08', '2024-01-02 03:04:05.25', '01:02:05.5', '0', false]);
      expect(rows[5]?.[0]).toBeNull();
      expect(rows[7]?.[1]).toBeNull();
      expect(rows[9]?.[2]).toBeNull();
      expect(rows[3000]).toEqual(['LAST', 1, '1970-01-01', '1970-01-01 00:00:00', '00:00:00', '-1', null]);
      const types = await db.connection.runAndReadAll(
        `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`,
      );
      expect(types.getRowsJson().map((r) => r[1])).toEqual([
        'VARCHAR',
        'DOUBLE',
        'DATE',
        'TIMESTAMP',
        'TIME',
        'BIGINT',
        'BOOLEAN',
      ]);
    } finally {
      db.close();
    }

    const schema = await readParquetSchema(file);
    expect(schema.label).toBe('Adverse Events');
    expect(schema.columns[0]).toEqual({
      name: 'USUBJID',
      label: 'Unique Subject Identifier',
      type: 'string',
      length: 20,
    });
    expect(schema.columns[2]).toMatchObject({ name: 'AESTDT', type: 'date', format: 'DATE9.' });
  });

  it('refuses two columns whose names differ only in case, naming both', async () => {
    const bad: DatasetInfo = {
      name: 'X',
      columns: [
        { name: 'AGE', type: 'number' },
        { name: 'age', type: 'number' },
      ],
    };
    await expect(writeParquet(datasetOf(bad, []), join(dir, 'x.parquet'), { fileName: 'x.csv' })).rejects.toThrow(
      new FormatError('columns AGE and age differ only in case; rename one of them', { file: 'x.csv', dataset: 'X' }),
    );
  });

  it('writes an empty dataset with its columns', async () => {
    const file = join(dir, 'empty.parquet');
    const result = await writeParquet(datasetOf({ name: 'E', columns: [{ name: 'A', type: 'string' }] }, []), file);
    expect(result.rows).toBe(0);
    expect((await readParquetSchema(file)).columns.map((c) => c.name)).toEqual(['A']);
  });
});
