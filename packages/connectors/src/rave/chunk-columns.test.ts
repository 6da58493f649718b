import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DatasetInfo, type OpenDuckDb, openDuckDb, quoteLiteral } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FormRows, formDatasetWriter, writeFormDataset } from './form-dataset.ts';

/**
 * The form datasets' writer reads DuckDB's result in bulk (`ChunkColumns`): numbers from the
 * vectors, each row's text as one string cut into its columns by their byte lengths. Whatever the
 * text holds (inline strings of ≤ 12 bytes, longer ones, multibyte UTF-8, empty strings, nulls,
 * rows across DuckDB's 2,048-row chunks and across row groups), the file must read back as the
 * query's rows in the query's order, and say what DuckDB's own COPY of the same rows says.
 */

let db: OpenDuckDb;
let dir: string;

const TEXT = [
  'k',
  'n',
  // Short and long codes, multibyte text (é is 2 bytes, 漢 3, 😀 4), empty strings and nulls.
  `CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'é' WHEN 3 THEN '漢字😀 long text ' || i
     WHEN 4 THEN repeat('x', 12) WHEN 5 THEN repeat('y', 13) ELSE 'C' || (i % 5) END`,
  `CASE WHEN i % 4 = 0 THEN NULL ELSE 'value number ' || i || ' «quoted»' END`,
  `CASE WHEN i % 3 = 0 THEN 'A' ELSE NULL END`,
];

beforeAll(async () => {
  db = await openDuckDb();
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-chunk-columns-'));
  // 5,000 rows: three DuckDB chunks; subjects of 7 rows, so row groups cut inside chunks.
  await db.connection.run(
    `CREATE TABLE f AS SELECT 'SUBJ-' || lpad(CAST(i // 7 AS VARCHAR), 5, '0') || '-key' AS k,
       CASE WHEN i // 7 % 10 = 3 THEN NULL ELSE 'Name ' || (i // 7) END AS n,
       ${TEXT.slice(2)
         .map((expr, j) => `${expr} AS t${j}`)
         .join(', ')},
       CASE WHEN i % 6 = 0 THEN NULL ELSE i / 8.0 END AS d0,
       CAST(i AS DOUBLE) AS d1
     FROM range(5000) r(i)`,
  );
});

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const info: DatasetInfo = {
  name: 'F',
  columns: [
    { name: 'k', type: 'string' },
    { name: 'n', type: 'string' },
    { name: 'd0', type: 'number' },
    { name: 't0', type: 'string' },
    { name: 'd1', type: 'number' },
    { name: 't1', type: 'string' },
    { name: 't2', type: 'string' },
  ],
};
const order = 'ORDER BY n NULLS LAST, k, d1';
const select = `SELECT k, n, d0, t0, d1, t1, t2 FROM f ${order}`;
// The writer's query: SubjectKey and SubjectName first, then the dataset's other columns.
const rows: FormRows = {
  rows: () => `SELECT k, n, d0, t0, d1, t1, t2 FROM f ${order}`,
  typed: () => `SELECT k, n, d0, t0, d1, t1, t2 FROM f ${order}`,
  keys: () => 'SELECT n, k FROM f',
};

async function read(file: string) {
  return (
    await db.connection.runAndReadAll(`SELECT k, n, d0, t0, d1, t1, t2 FROM read_parquet(${quoteLiteral(file)})`)
  ).getRowsJson();
}

describe('form datasets read from DuckDB in bulk', () => {
  it('write every value back in order, as DuckDB’s COPY does', async () => {
    const own = path.join(dir, 'own.parquet');
    const copy = path.join(dir, 'copy.parquet');
    const writer = formDatasetWriter.value;
    formDatasetWriter.value = 'own';
    const written = await writeFormDataset(db.connection, rows, info, own);
    formDatasetWriter.value = 'duckdb';
    try {
      await writeFormDataset(db.connection, rows, info, copy);
    } finally {
      formDatasetWriter.value = writer;
    }
    const expected = (await db.connection.runAndReadAll(select)).getRowsJson();
    expect(expected).toHaveLength(5000);
    expect(await read(own)).toEqual(expected);
    expect(await read(copy)).toEqual(expected);
    expect(written.result.rows).toBe(5000);
    // Groups start at a subject: 2,048 rows and the rest of the subject at the boundary.
    const sizes = written.groups?.map((g) => g.layout.rows) ?? [];
    expect(sizes.length).toBe(3);
    for (const size of sizes.slice(0, -1)) expect(size >= 2048 && size < 2048 + 7).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(written.groups?.[0]?.first).toEqual(expected[0]?.slice(0, 2).reverse());
    // The empty strings stay empty strings, the nulls null.
    const counts = (
      await db.connection.runAndReadAll(
        `SELECT count(*) FILTER (WHERE t0 = ''), count(*) FILTER (WHERE t0 IS NULL), count(*) FILTER (WHERE t0 = 'é')
         FROM read_parquet(${quoteLiteral(own)})`,
      )
    ).getRowsJson();
    expect(counts).toEqual([['556', '556', '556']]);
  });
});
