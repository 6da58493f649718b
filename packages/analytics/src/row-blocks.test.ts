import { rename } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RowsRequest, readRows } from './dataset-rows.ts';
import { DatasetStore, type StoredDataset } from './dataset-store.ts';
import { makeStudy, type TestStudy } from './query/test-support.ts';
import { QueryError } from './query-error.ts';
import { BLOCK_ROWS, RowBlockCache } from './row-blocks.ts';

/** Counts the DuckDB connections taken: a page from kept blocks takes none. */
class CountingStore extends DatasetStore {
  override withConnection<T>(fn: Parameters<DatasetStore['withConnection']>[0]): Promise<T> {
    reads++;
    return super.withConnection(fn) as Promise<T>;
  }
}

let study: TestStudy;
let store: DatasetStore;
let lb: StoredDataset;
let reads = 0;

const ROWS = 1_234;
const LB_SQL = `SELECT 'S-' || lpad(CAST(i % 97 AS VARCHAR), 3, '0') AS USUBJID, i AS LBSEQ,
  CASE WHEN i % 3 = 0 THEN 'ALT' WHEN i % 3 = 1 THEN 'AST' ELSE 'BILI' END AS LBTESTCD,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7919) % 1000 / 10.0 END AS LBSTRESN,
  DATE '2024-01-01' + CAST(i % 400 AS INTEGER) AS LBDT
  FROM range(${ROWS}) t(i)`;

beforeAll(async () => {
  study = await makeStudy();
  store = new CountingStore();
  lb = {
    file: await study.write('lb.parquet', LB_SQL),
    columns: [
      { name: 'USUBJID', type: 'string' },
      { name: 'LBSEQ', type: 'integer' },
      { name: 'LBTESTCD', type: 'string' },
      { name: 'LBSTRESN', type: 'number' },
      { name: 'LBDT', type: 'date' },
    ],
  };
});
afterAll(async () => {
  await store.close();
  await study.remove();
});

const view = (request: Partial<RowsRequest>): RowsRequest => ({ offset: 0, limit: 50, filters: [], ...request });

async function plainPage(dataset: StoredDataset, request: RowsRequest) {
  const page = await readRows(store, dataset, request);
  return { rows: page.rows.map((row) => JSON.stringify(row)), total: page.total };
}

describe('RowBlockCache: pages from kept blocks', () => {
  it.each([
    ['the first page', view({})],
    ['a page inside a block', view({ offset: 137, limit: 50 })],
    ['a page across two blocks', view({ offset: BLOCK_ROWS - 20, limit: 50 })],
    ['1,000 rows across five blocks', view({ offset: 100, limit: 1000 })],
    ['the last rows', view({ offset: ROWS - 30, limit: 100 })],
    ['past the end', view({ offset: ROWS + 10, limit: 50 })],
    ['sorted descending', view({ offset: 240, limit: 30, sort: '-LBSTRESN' })],
    [
      'filtered and sorted',
      view({ offset: 20, limit: 100, sort: 'LBDT', filters: [{ column: 'LBTESTCD', op: 'eq', value: 'ALT' }] }),
    ],
    ['filtered to nothing', view({ filters: [{ column: 'LBSTRESN', op: 'gt', value: 1000 }] })],
  ])('answers %s as the plain read does, from memory the second time', async (_name, request) => {
    const cache = new RowBlockCache(8 * 1024 * 1024);
    const expected = await plainPage(lb, request);
    expect(await cache.page(store, lb, request)).toEqual(expected);
    const before = reads;
    expect(await cache.page(store, lb, request)).toEqual(expected);
    expect(reads).toBe(before);
  });

  it('serves the next pages of a block without DuckDB, and shares a read asked twice at once', async () => {
    const cache = new RowBlockCache(8 * 1024 * 1024);
    const before = reads;
    const [a, b] = await Promise.all([cache.page(store, lb, view({})), cache.page(store, lb, view({}))]);
    expect(a).toEqual(b);
    expect(reads - before).toBe(1);
    for (const offset of [50, 100, 150, 200]) {
      expect(await cache.page(store, lb, view({ offset }))).toEqual(await plainPage(lb, view({ offset })));
    }
    expect(reads - before).toBe(1 + 4); // the four plain reads only
  });

  it('keeps a masked view apart from the clear one, and notes a PHI read on every page, kept or not', async () => {
    const cache = new RowBlockCache(8 * 1024 * 1024);
    let noted = 0;
    const clear = { ...lb, onRead: () => noted++ };
    const masked: StoredDataset = {
      ...lb,
      columns: lb.columns.map((c) => (c.name === 'USUBJID' ? { ...c, masked: true } : c)),
    };
    expect((await cache.page(store, clear, view({}))).rows[0]).toContain('"S-000"');
    expect(noted).toBeGreaterThan(0);
    expect((await cache.page(store, masked, view({}))).rows[0]).toContain('"[PHI]"');
    expect(await cache.page(store, masked, view({}))).toEqual(await plainPage(masked, view({})));
    const before = [noted, reads];
    await cache.page(store, clear, view({}));
    expect([noted, reads]).toEqual([(before[0] as number) + 1, before[1]]);
  });

  it('reads a file again once it is replaced in place (a re-protection renames a new file over it)', async () => {
    const cache = new RowBlockCache(8 * 1024 * 1024);
    const file = await study.write('replaced.parquet', `SELECT 'before' AS V FROM range(3)`);
    const dataset: StoredDataset = { file, columns: [{ name: 'V', type: 'string' }] };
    expect((await cache.page(store, dataset, view({}))).rows).toEqual(['["before"]', '["before"]', '["before"]']);
    await rename(await study.write('next.parquet', `SELECT 'after' AS V FROM range(2)`), file);
    expect(await cache.page(store, dataset, view({}))).toEqual({ rows: ['["after"]', '["after"]'], total: 2 });
  });

  it('stays within its bytes, dropping the least recently used blocks', async () => {
    const cache = new RowBlockCache(40_000);
    for (let offset = 0; offset < ROWS; offset += BLOCK_ROWS) await cache.page(store, lb, view({ offset }));
    expect(cache.keptBytes).toBeGreaterThan(0);
    expect(cache.keptBytes).toBeLessThanOrEqual(40_000);
    const before = reads;
    await cache.page(store, lb, view({ offset: 4 * BLOCK_ROWS })); // the last one read: kept
    expect(reads).toBe(before);
    await cache.page(store, lb, view({ offset: 0 })); // the first: dropped
    expect(reads).toBe(before + 1);
  });

  it('reads a review row set every time, and refuses a column the dataset lacks as the plain read does', async () => {
    const cache = new RowBlockCache(8 * 1024 * 1024);
    const request = view({ rowSet: { keep: 'only', rows: [3, 5, 8] } });
    expect(await cache.page(store, lb, request)).toEqual(await plainPage(lb, request));
    const before = reads;
    await cache.page(store, lb, request);
    expect(reads).toBe(before + 1);
    await expect(cache.page(store, lb, view({ sort: 'NOPE' }))).rejects.toBeInstanceOf(QueryError);
  });
});
