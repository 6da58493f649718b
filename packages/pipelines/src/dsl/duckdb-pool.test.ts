import type { DslBodyInput } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPilot, type Pilot } from '../testing.ts';
import {
  connectPooled,
  pooledInstanceCount,
  releaseIdleDslMemory,
  SMALL_INPUT_BYTES,
  threadsFor,
} from './duckdb-pool.ts';

/**
 * DSL runs share a warm DuckDB per configuration (dsl/duckdb-pool.ts), each on a connection of its
 * own: nothing of one run is seen by the next or by a concurrent one, and a cancel stops only its run.
 */
let pilot: Pilot;
beforeAll(async () => {
  pilot = await openPilot(['DM', 'AE']);
});
afterAll(() => pilot?.close());

const females: DslBodyInput = {
  steps: [
    {
      operation: 'filter_rows',
      parameters: { dataset: 'DM', conditions: [{ column: 'SEX', operator: 'equals', value: 'F' }] },
    },
    { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'out' } },
  ],
};
const seriousAes: DslBodyInput = {
  steps: [
    {
      operation: 'filter_rows',
      parameters: { dataset: 'AE', conditions: [{ column: 'AESER', operator: 'equals', value: 'Y' }] },
    },
    { operation: 'drop_duplicates', parameters: { dataset: 'AE', columns: ['USUBJID'], keep: 'first' } },
    { operation: 'save_dataset', parameters: { dataset: 'AE', output_name: 'out' } },
  ],
};

describe('pooled DuckDB for DSL runs', () => {
  it('instances opened after releaseIdleDslMemory(true) hand freed memory back (allocator background threads)', async () => {
    const setting = async (memoryMb: number) => {
      const connection = await connectPooled(memoryMb, 1);
      try {
        const reader = await connection.runAndReadAll(`SELECT current_setting('allocator_background_threads')`);
        return reader.getRowsJS()[0]?.[0];
      } finally {
        connection.closeSync();
      }
    };
    // Configurations of their own (memory limits no other test uses), so each opens a new instance.
    expect(await setting(1031)).toBe(false);
    releaseIdleDslMemory(true);
    try {
      expect(await setting(1033)).toBe(true);
    } finally {
      releaseIdleDslMemory(false);
    }
  });

  it('small inputs run on one thread, large ones on every core', async () => {
    expect(threadsFor(1024)).toBe(1);
    expect(threadsFor(SMALL_INPUT_BYTES)).toBeUndefined();
    const connection = await connectPooled(2048, 1);
    try {
      const reader = await connection.runAndReadAll(`SELECT current_setting('threads')`);
      expect(Number(reader.getRowsJS()[0]?.[0])).toBe(1);
    } finally {
      connection.closeSync();
    }
  });

  it('runs one after another reuse the instance and see none of each other’s steps', async () => {
    const [expectedF] = await pilot.sql(`SELECT count(*) AS n FROM {DM} WHERE SEX = 'F'`);
    const first = await pilot.run(females, ['DM']);
    const instances = pooledInstanceCount();
    // The same step names (t0, t1) again: a leftover TEMP table of the first run would make this fail.
    const second = await pilot.run(females, ['DM']);
    expect(pooledInstanceCount()).toBe(instances);
    expect(first.outputs.out).toHaveLength(Number(expectedF?.n));
    expect(second.outputs.out).toEqual(first.outputs.out);
    // The step logs count rows from the statements themselves.
    expect(second.logs.map((l) => l.message).join('\n')).toContain(`→ ${Number(expectedF?.n)} rows`);
  });

  it('concurrent runs on the shared instance each get their own result', async () => {
    const [f] = await pilot.sql(`SELECT count(*) AS n FROM {DM} WHERE SEX = 'F'`);
    const [s] = await pilot.sql(`SELECT count(DISTINCT USUBJID) AS n FROM {AE} WHERE AESER = 'Y'`);
    const results = await Promise.all([
      pilot.run(females, ['DM']),
      pilot.run(seriousAes, ['AE']),
      pilot.run(females, ['DM']),
      pilot.run(seriousAes, ['AE']),
    ]);
    expect(results.map((r) => r.outputs.out?.length)).toEqual([f?.n, s?.n, f?.n, s?.n].map(Number));
  });

  it('a cancelled run stops alone: a concurrent run on the same instance completes', async () => {
    const controller = new AbortController();
    controller.abort();
    const [cancelled, done] = await Promise.allSettled([
      pilot.run(females, ['DM'], controller.signal),
      pilot.run(seriousAes, ['AE']),
    ]);
    expect(cancelled.status).toBe('rejected');
    expect(done.status).toBe('fulfilled');
    // And the instance still serves the next run.
    expect((await pilot.run(females, ['DM'])).outputs.out?.length).toBeGreaterThan(0);
  });
});
