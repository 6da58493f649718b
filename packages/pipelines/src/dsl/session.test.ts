import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DslSession } from './session.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-dsl-session-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A Parquet file written by a DuckDB of the test's own. */
async function parquet(file: string, select: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
}

async function columnsOf(file: string, inline: boolean) {
  const session = await DslSession.open([{ name: 'DM', path: file, columns: [] }], { inline });
  try {
    return session.workspace.get('dm')?.columns.map((c) => `${c.name}:${c.type}`);
  } finally {
    await session.close();
  }
}

describe('a session’s inputs', () => {
  it('are typed as DuckDB reads the file, again when a new file replaces it at the same path', async () => {
    const file = path.join(dir, 'dm.parquet');
    await parquet(file, `SELECT 'S-1' AS USUBJID, 40 AS AGE`);
    const first = await columnsOf(file, true);
    expect(first).toEqual(['USUBJID:string', 'AGE:integer']);
    // Kept: the same file gives the same columns, in either kind of session.
    expect(await columnsOf(file, true)).toEqual(first);
    expect(await columnsOf(file, false)).toEqual(first);
    // Sealing (and any rewrite) renames a new file over the old one: new columns are seen.
    const next = path.join(dir, 'dm-next.parquet');
    await parquet(next, `SELECT 'S-1' AS USUBJID, DATE '2024-03-01' AS RFSTDTC, 'A' AS ARM`);
    await rename(next, file);
    expect(await columnsOf(file, true)).toEqual(['USUBJID:string', 'RFSTDTC:date', 'ARM:string']);
  });
});
