import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { parseQuerySpec } from './compile-query.ts';
import { foldable, foldSpecs, frameOf } from './fold-specs.ts';
import { QueryEngine } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

let study: TestStudy;
const engines: QueryEngine[] = [];
const engine = (fold: boolean) => {
  const made = new QueryEngine({ threads: 1, fold });
  engines.push(made);
  return made;
};

beforeAll(async () => {
  study = await makeStudy();
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await study.remove();
});

const subjects = { op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' } as const;
const byMonth = { column: ref('DM', 'RFSTDTC'), as: 'month', bucket: 'month' } as const;

/** Specs of the shapes the KPI widgets ask for on one dataset, with and without their own filters. */
const DM_SPECS: QuerySpec[] = [
  { from: 'DM', measures: [subjects] },
  { from: 'DM', where: [filter('DM', 'ARM', 'in', ['Drug'])], measures: [subjects] },
  {
    from: 'DM',
    where: [filter('DM', 'AGE', 'ge', 30)],
    measures: [subjects, { op: 'count', as: 'f', where: [filter('DM', 'SEX', 'eq', 'F')] }],
  },
  {
    from: 'DM',
    where: [filter('DM', 'ARM', 'eq', 'Nothing')],
    measures: [subjects, { op: 'mean', column: ref('DM', 'AGE'), as: 'age' }],
  },
  // Grouped: a month only the unfiltered spec has rows in must not appear in the filtered one's answer.
  { from: 'DM', groupBy: [byMonth], measures: [subjects] },
  { from: 'DM', where: [filter('DM', 'ARM', 'in', ['Placebo'])], groupBy: [byMonth], measures: [subjects] },
  {
    from: 'DM',
    where: [filter('DM', 'SEX', 'eq', 'M')],
    groupBy: [byMonth],
    measures: [subjects, { op: 'max', column: ref('DM', 'AGE'), as: 'oldest' }],
  },
  // Under a subject semi-join, as a dashboard filter on another dataset applies.
  {
    from: 'AE',
    exists: [
      { dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }], where: [filter('DM', 'AGE', 'lt', 60)] },
    ],
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
    ],
  },
  {
    from: 'AE',
    exists: [
      { dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }], where: [filter('DM', 'AGE', 'lt', 60)] },
    ],
    where: [filter('AE', 'AESER', 'in', ['Y'])],
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
    ],
  },
];

describe('folding aggregates of the same rows into one query', () => {
  it('answers each spec exactly as its own query does, with fewer queries', async () => {
    const folded = engine(true);
    const alone = engine(false);
    const together = await Promise.all(DM_SPECS.map((s) => folded.run(s, study.resolve, { cacheKey: 'v1' })));
    const separate = await Promise.all(DM_SPECS.map((s) => alone.run(s, study.resolve, { cacheKey: 'v1' })));
    for (const [i, run] of together.entries()) expect(run.result, `spec ${i}`).toEqual(separate[i]?.result);
    expect(alone.queriesRun).toBe(DM_SPECS.length);
    // Three frames: DM ungrouped, DM by month, AE under the semi-join.
    expect(folded.queriesRun).toBe(3);
    // And the reference, in plain SQL: subjects per start month among the men.
    const men = await study.rows(
      `SELECT CAST(date_trunc('month', try_cast(left(RFSTDTC, 10) AS DATE)) AS DATE)::VARCHAR AS m, count(DISTINCT USUBJID), max(AGE)
       FROM read_parquet('${study.datasets.get('DM')?.file}') WHERE SEX = 'M' GROUP BY 1 ORDER BY 1 NULLS LAST`,
    );
    expect(together[6]?.result.rows).toEqual(men.map(([m, n, age]) => [m, Number(n), age]));
    const serious = await study.rows(
      `SELECT count(*), count(DISTINCT a.USUBJID) FROM read_parquet('${study.datasets.get('AE')?.file}') a
       JOIN read_parquet('${study.datasets.get('DM')?.file}') d USING (USUBJID) WHERE d.AGE < 60 AND a.AESER = 'Y'`,
    );
    expect(together[8]?.result.rows).toEqual(serious.map((r) => r.map(Number)));
  });

  it('leaves alone what cannot be folded: listings, top N, limits, Tukey, an order by a measure', () => {
    const parsed = (spec: QuerySpec) => parseQuerySpec(spec);
    expect(foldable(parsed({ from: 'DM', select: [{ column: ref('DM', 'USUBJID'), as: 'id' }] }))).toBe(false);
    expect(foldable(parsed({ from: 'DM', measures: [subjects], limit: 5 }))).toBe(false);
    expect(
      foldable(parsed({ from: 'DM', groupBy: [byMonth], measures: [subjects], orderBy: [{ key: 'subjects' }] })),
    ).toBe(false);
    expect(foldable(parsed({ from: 'DM', measures: [{ op: 'outliers', column: ref('DM', 'AGE'), as: 'o' }] }))).toBe(
      false,
    );
    expect(
      foldable(
        parsed({
          from: 'DM',
          groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
          measures: [subjects],
          topN: { key: 'arm', by: 'subjects', n: 1 },
        }),
      ),
    ).toBe(false);
    expect(
      foldable(
        parsed({ from: 'DM', groupBy: [byMonth], measures: [subjects], orderBy: [{ key: 'month', dir: 'desc' }] }),
      ),
    ).toBe(true);
  });

  it('keeps the filters every spec has in WHERE and moves the others into each measure', () => {
    const [a, b] = [DM_SPECS[2], DM_SPECS[3]].map((s) =>
      parseQuerySpec({
        ...(s as QuerySpec),
        where: [filter('DM', 'SITEID', 'eq', '101'), ...((s as QuerySpec).where ?? [])],
      }),
    );
    if (!a || !b) throw new Error('specs');
    expect(frameOf(a)).toBe(frameOf(b));
    const plan = foldSpecs([a, b]);
    expect(plan?.spec.where).toEqual([filter('DM', 'SITEID', 'eq', '101')]);
    expect(plan?.spec.measures.map((m) => [m.as, m.where.length])).toEqual([
      ['f0_subjects', 1],
      ['f0_f', 2],
      ['f1_subjects', 1],
      ['f1_age', 1],
    ]);
    // Specs reading other rows have other frames.
    const grouped = parseQuerySpec(DM_SPECS[4] as QuerySpec);
    expect(frameOf(grouped)).not.toBe(frameOf(a));
  });

  it('never folds the specs of two readers who see a dataset differently (masked columns)', async () => {
    const folded = engine(true);
    const dm = study.datasets.get('DM') as StoredDataset;
    const masked: StoredDataset = {
      ...dm,
      columns: dm.columns.map((c) => (c.name === 'RFSTDTC' ? { ...c, masked: true } : c)),
    };
    const maskedResolve = (name: string) => (name.toUpperCase() === 'DM' ? masked : study.resolve(name));
    const spec = DM_SPECS[1] as QuerySpec;
    const before = folded.queriesRun;
    const [clear, hidden] = await Promise.all([
      folded.run(DM_SPECS[0] as QuerySpec, study.resolve, { cacheKey: 'v2' }),
      folded.run(spec, maskedResolve, { cacheKey: 'v2' }),
    ]);
    expect(folded.queriesRun - before).toBe(2);
    expect(clear.result.rows).toEqual([[6]]);
    expect(hidden.result.rows).toEqual([[3]]);
  });
});
