import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryEngine } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

let study: TestStudy;
let engine: QueryEngine;

beforeAll(async () => {
  study = await makeStudy();
  engine = new QueryEngine({ memoryLimit: '256MB', threads: 2 });
});

afterAll(async () => {
  await engine.close();
  await study.remove();
});

let runs = 0;
async function rows(spec: QuerySpec): Promise<unknown[][]> {
  runs++;
  return (await engine.run(spec, study.resolve, { cacheKey: `v${runs}` })).result.rows;
}

const ids = (result: unknown[][]) => result.map((r) => r[0]);

describe('subject sets', () => {
  it.each<[string, 'in' | 'not_in', string[], string[]]>([
    ['in keeps the listed subjects', 'in', ['S02', 'S04'], ['S02', 'S04']],
    ['in ignores trailing blanks and unknown ids', 'in', ['S02  ', 'S99'], ['S02']],
    ['in an empty set keeps nothing', 'in', [], []],
    ['not_in keeps every other subject', 'not_in', ['S02', 'S04'], ['S01', 'S03', 'S05', 'S06']],
    ['not_in an empty set keeps everyone', 'not_in', [], ['S01', 'S02', 'S03', 'S04', 'S05', 'S06']],
  ])('%s', async (_, keep, set, expected) => {
    const result = await rows({
      from: 'DM',
      subjectSets: [{ column: ref('DM', 'USUBJID'), keep, ids: set }],
      select: [{ column: ref('DM', 'USUBJID'), as: 'id' }],
      orderBy: [{ key: 'id', dir: 'asc' }],
    });
    expect(ids(result)).toEqual(expected);
  });

  it('ANDs with filters, semi-joins, paging and the total', async () => {
    const spec: QuerySpec = {
      from: 'DM',
      where: [filter('DM', 'SEX', 'eq', 'F')],
      exists: [{ dataset: 'AE', on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }] }],
      subjectSets: [{ column: ref('DM', 'USUBJID'), keep: 'not_in', ids: ['S01'] }],
      select: [{ column: ref('DM', 'USUBJID'), as: 'id' }],
      orderBy: [{ key: 'id', dir: 'asc' }],
      limit: 1,
      offset: 1,
      withTotal: true,
    };
    runs++;
    const { result } = await engine.run(spec, study.resolve, { cacheKey: `v${runs}` });
    // Women with an AE: S01, S03, S05; without S01: S03, S05; the second page of one is S05.
    expect(result.rows).toEqual([['S05']]);
    expect(result.total).toBe(2);
    const reference = await study.rows(
      `SELECT count(*) FROM read_parquet('${study.datasets.get('DM')?.file}') d WHERE d.SEX = 'F' AND d.USUBJID <> 'S01' AND EXISTS (SELECT 1 FROM read_parquet('${study.datasets.get('AE')?.file}') a WHERE a.USUBJID = d.USUBJID)`,
    );
    expect(Number(reference[0]?.[0])).toBe(2);
  });

  it('restricts aggregates over an event dataset by its subject column', async () => {
    const spec: QuerySpec = {
      from: 'AE',
      subjectSets: [{ column: ref('AE', 'USUBJID'), keep: 'in', ids: ['S03', 'S05'] }],
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [{ op: 'count', as: 'n' }],
      orderBy: [{ key: 'term', dir: 'asc' }],
    };
    expect(await rows(spec)).toEqual([
      ['DIZZINESS', 1],
      ['HEADACHE', 1],
      ['NAUSEA', 1],
      ['RASH', 2],
    ]);
  });

  it('is part of the cache key: another set is another answer', async () => {
    const spec = (set: string[]): QuerySpec => ({
      from: 'DM',
      subjectSets: [{ column: ref('DM', 'USUBJID'), keep: 'in', ids: set }],
      measures: [{ op: 'count', as: 'n' }],
    });
    const one = await engine.run(spec(['S01']), study.resolve, { cacheKey: 'same' });
    const two = await engine.run(spec(['S01', 'S02']), study.resolve, { cacheKey: 'same' });
    expect(one.result.rows).toEqual([[1]]);
    expect(two.result.rows).toEqual([[2]]);
    expect(two.cached).toBe(false);
  });

  it('names a column that is not in the query, and a masked subject id', async () => {
    await expect(
      rows({
        from: 'DM',
        subjectSets: [{ column: ref('AE', 'USUBJID'), keep: 'in', ids: [] }],
        select: [{ column: ref('DM', 'USUBJID'), as: 'id' }],
      }),
    ).rejects.toThrow(/subjectSets\[0\]\.column: dataset AE is not in this query/);
    const dm = study.datasets.get('DM');
    if (!dm) throw new Error('no DM');
    const masked = { ...dm, columns: dm.columns.map((c) => (c.name === 'USUBJID' ? { ...c, masked: true } : c)) };
    await expect(
      engine.run(
        {
          from: 'DM',
          subjectSets: [{ column: ref('DM', 'USUBJID'), keep: 'in', ids: ['S01'] }],
          measures: [{ op: 'count', as: 'n' }],
        },
        () => masked,
        { cacheKey: 'masked' },
      ),
    ).rejects.toThrow(/subjectSets\[0\]\.column: column USUBJID holds protected health information/);
  });
});
