import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import type { DatasetInfo, DatasetReader, RowBatch } from '../types.ts';
import { openDuckDb } from './duckdb.ts';
import { closeParquetInspector, inspectParquetFile, parquetInspectorOpen } from './inspect-parquet.ts';
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
  dir = await mkdtemp(join(tmpdir(), 'cdp-inspect-'));
});
afterAll(async () => {
  closeParquetInspector();
  await rm(dir, { recursive: true, force: true });
});

const info: DatasetInfo = {
  name: 'DM_CLEAN',
  label: 'Demographics, cleaned',
  columns: [
    { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'string', length: 20 },
    { name: 'AGE', label: 'Age', type: 'number', format: '8.' },
    { name: 'RFSTDTC', type: 'date', format: 'DATE9.' },
    { name: 'SAFFL', type: 'boolean' },
  ],
};

async function written(name: string, rows: number): Promise<string> {
  const file = join(dir, `${name}.parquet`);
  const batch: RowBatch = {
    length: rows,
    columns: [
      Array.from({ length: rows }, (_, i) => (i === 3 ? null : `S-${i}`)),
      Float64Array.from({ length: rows }, (_, i) => 20 + (i % 60)),
      Float64Array.from({ length: rows }, (_, i) => 19_000 + i),
      Float64Array.from({ length: rows }, (_, i) => i % 2),
    ],
  };
  await writeParquet(datasetOf(info, rows > 0 ? [batch] : []), file);
  return file;
}

/** Rows counted by reading every value in a DuckDB of its own (not the footer's count). */
async function countedIndependently(file: string): Promise<number> {
  const db = await openDuckDb();
  try {
    const result = await db.connection.runAndReadAll(
      `SELECT count(*) FROM (SELECT USUBJID, AGE, RFSTDTC, SAFFL FROM read_parquet('${file}'))`,
    );
    return Number(result.getRowsJson()[0]?.[0]);
  } finally {
    db.close();
  }
}

describe('inspectParquetFile', () => {
  it('reads the schema exactly as readParquetSchema does, and the rows a full read counts', async () => {
    for (const rows of [0, 1, 5000]) {
      const file = await written(`dm_${rows}`, rows);
      const inspected = await inspectParquetFile(file, 'dm_clean.parquet');
      const { rows: counted, ...schema } = inspected;
      expect(schema).toEqual(await readParquetSchema(file, 'dm_clean.parquet'));
      expect(schema.columns.map((c) => [c.name, c.type, c.label ?? null])).toEqual([
        ['USUBJID', 'string', 'Unique Subject Identifier'],
        ['AGE', 'number', 'Age'],
        ['RFSTDTC', 'date', null],
        ['SAFFL', 'boolean', null],
      ]);
      expect(counted).toBe(rows);
      expect(counted).toBe(await countedIndependently(file));
    }
  });

  it('keeps one DuckDB for every call, and opens a new one after it is closed', async () => {
    closeParquetInspector();
    expect(parquetInspectorOpen()).toBe(false);
    const file = await written('kept', 10);
    const answers = await Promise.all(Array.from({ length: 8 }, () => inspectParquetFile(file)));
    expect(answers.map((a) => a.rows)).toEqual(Array(8).fill(10));
    expect(parquetInspectorOpen()).toBe(true);
    closeParquetInspector();
    expect(parquetInspectorOpen()).toBe(false);
    expect((await inspectParquetFile(file)).rows).toBe(10);
  });

  it('names the file it cannot read, and still serves the next one', async () => {
    const bad = join(dir, 'not-parquet.parquet');
    await writeFile(bad, 'USUBJID,AGE\nS-1,40\n');
    const failure = await inspectParquetFile(bad, 'adsl.parquet').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FormatError);
    expect((failure as FormatError).message).toMatch(/adsl\.parquet.*not a readable Parquet file/);
    expect((await inspectParquetFile(await written('after', 3))).rows).toBe(3);
  });
});
