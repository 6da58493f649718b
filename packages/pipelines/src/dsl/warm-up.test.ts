import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { pooledInstanceCount } from './duckdb-pool.ts';
import { warmDslEngine } from './warm-up.ts';

const warmFolders = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith('cdp-dsl-warm-'));

describe('warming the DSL engine when a worker starts', () => {
  it('runs both built-in examples on made-up rows, opens both instances and leaves no folder', async () => {
    const before = new Set(await warmFolders());
    const seen: { name: string; rows: number; values: unknown[][] }[] = [];
    await warmDslEngine(async (result) => {
      for (const output of result.outputs) {
        // Read back by a DuckDB of the test's own, not the engine's.
        const db = await DuckDBInstance.create(':memory:');
        const connection = await db.connect();
        const reader = await connection.runAndReadAll(
          `SELECT * FROM read_parquet('${output.path.replaceAll("'", "''")}') ORDER BY USUBJID`,
        );
        seen.push({
          name: output.name,
          rows: output.rows,
          values: reader.getRowObjectsJson() as unknown as unknown[][],
        });
        connection.closeSync();
        db.closeSync();
      }
    });
    // ENROL: one disposition event per subject (the milestone row dropped); dm_clean: the screen
    // failure without DMDTC dropped, the other subject merged with its ENROL row.
    expect(seen.map((s) => [s.name, s.rows])).toEqual([
      ['ENROL', 2],
      ['dm_clean', 1],
    ]);
    expect(seen[0]?.values).toEqual([
      { STUDYID: 'WARM', USUBJID: 'WARM-1', ENRLSTAT: 'COMPLETED', ENRLENDTC: '2024-03-01' },
      { STUDYID: 'WARM', USUBJID: 'WARM-2', ENRLSTAT: 'ADVERSE EVENT', ENRLENDTC: '2024-03' },
    ]);
    expect(seen[1]?.values).toMatchObject([
      { USUBJID: 'WARM-1', AGE: '34', AGE_GROUP: '18-64', ENRLSTAT: 'COMPLETED', DMDTC: '2024-01-01' },
    ]);
    // (AGE converted to integer is a BIGINT, which DuckDB's JSON rows give as text.)
    // The single-threaded instance (small inputs) and the all-threads one (large inputs).
    expect(pooledInstanceCount()).toBeGreaterThanOrEqual(2);
    expect((await warmFolders()).filter((name) => !before.has(name))).toEqual([]);
  });
});
