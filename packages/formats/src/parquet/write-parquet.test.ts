import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { TextCellsBuilder } from '../text-cells.ts';
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

  it('writes text given as UTF-8 bytes (TextCells) to the same bytes as text given as strings', async () => {
    // Three row groups' worth: a column that stays a dictionary, one that turns PLAIN half-way
    // through the first row group (distinct values), accents, CJK and a code point past U+FFFF.
    const rows = 300_000;
    const words = ['ALT', 'Ärger', 'été', '肝臓', 'z𝔘', 'AST', 'Z'];
    const few = (i: number) => (i % 11 === 0 ? null : (words[i % words.length] as string));
    const many = (i: number) => (i % 13 === 0 ? null : `${words[i % 5]}-${(i * 7919) % 100_003}`);
    // Sorted data's runs of one value (the bytes path takes a repeat's index without hashing):
    // runs across batches and row groups, nulls inside them, neighbours of one length or prefixes.
    const runWords = ['ALT', 'AST', 'ALT', 'AL', 'ALTT', 'Ärger', 'Ä', 'z𝔘', 'z'];
    const runs = (i: number) => (i % 17 === 0 ? null : (runWords[Math.floor(i / 700) % runWords.length] as string));
    const twoColumns: DatasetInfo = {
      name: 'T',
      columns: [
        { name: 'FEW', type: 'string' },
        { name: 'MANY', type: 'string' },
        { name: 'RUNS', type: 'string' },
      ],
    };
    const asStrings: RowBatch[] = [];
    const asBytes: RowBatch[] = [];
    for (let start = 0; start < rows; start += 8192) {
      const length = Math.min(8192, rows - start);
      const strings = [few, many, runs].map((f) => Array.from({ length }, (_, i) => f(start + i)));
      asStrings.push({ length, columns: strings });
      asBytes.push({
        length,
        columns: strings.map((values) => {
          const cells = new TextCellsBuilder(length, 4);
          for (const value of values) cells.addString(value);
          return cells.take();
        }),
      });
    }
    const fromStrings = join(dir, 'strings.parquet');
    const fromBytes = join(dir, 'bytes.parquet');
    const a = await writeParquet(datasetOf(twoColumns, asStrings), fromStrings);
    const b = await writeParquet(datasetOf(twoColumns, asBytes), fromBytes);
    const bytes = await readFile(fromBytes);
    expect(bytes.equals(await readFile(fromStrings))).toBe(true);
    // The digest taken while writing is the file's.
    expect(b).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(a.sha256).toBe(b.sha256);
    const db = await openDuckDb();
    try {
      const reader = await db.connection.runAndReadAll(
        `SELECT count(FEW), count(DISTINCT FEW), max(FEW), count(MANY), min(MANY), string_agg(RUNS, ',' ORDER BY file_row_number) FILTER (WHERE file_row_number % 350 = 1) FROM read_parquet('${fromBytes}', file_row_number = true)`,
      );
      const few_ = Array.from({ length: rows }, (_, i) => few(i)).filter((v) => v !== null) as string[];
      const many_ = Array.from({ length: rows }, (_, i) => many(i)).filter((v) => v !== null) as string[];
      const byBytes = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
      expect(reader.getRowsJson()[0]).toEqual([
        String(few_.length),
        String(words.length),
        [...words].sort(byBytes).at(-1),
        String(many_.length),
        [...many_].sort(byBytes)[0],
        Array.from({ length: rows }, (_, i) => i)
          .filter((i) => i % 350 === 1)
          .map(runs)
          .filter((v) => v !== null)
          .join(','),
      ]);
    } finally {
      db.close();
    }
  });

  it('writes an empty dataset with its columns', async () => {
    const file = join(dir, 'empty.parquet');
    const result = await writeParquet(datasetOf({ name: 'E', columns: [{ name: 'A', type: 'string' }] }, []), file);
    expect(result.rows).toBe(0);
    expect((await readParquetSchema(file)).columns.map((c) => c.name)).toEqual(['A']);
  });
});
