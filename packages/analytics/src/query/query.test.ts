import type { QueryFilter, QueryResult, QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from './compile-query.ts';
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

/** Every run gets its own cache key: these tests check results, not the cache. */
let runs = 0;
async function query(spec: QuerySpec): Promise<QueryResult> {
  runs++;
  return (await engine.run(spec, study.resolve, { cacheKey: `v${runs}` })).result;
}

async function rows(spec: QuerySpec): Promise<unknown[][]> {
  return (await query(spec)).rows;
}

/** The subjects of DM passing `where`, in id order. */
async function subjects(...where: QueryFilter[]): Promise<string[]> {
  const result = await rows({ from: 'DM', where, select: [{ column: ref('DM', 'USUBJID'), as: 'id' }] });
  return result.map((r) => r[0] as string);
}

describe('filters', () => {
  it.each<[string, QueryFilter, string[]]>([
    ['eq', filter('DM', 'SEX', 'eq', 'F'), ['S01', 'S03', 'S05']],
    ['eq, a number given as text for an integer column', filter('DM', 'NVIS', 'eq', '5'), ['S02']],
    [
      'ne keeps missing values (the complement of eq)',
      filter('DM', 'ARM', 'ne', 'Placebo'),
      ['S03', 'S04', 'S05', 'S06'],
    ],
    ['lt', filter('DM', 'AGE', 'lt', 45), ['S01', 'S05']],
    ['le', filter('DM', 'AGE', 'le', 45), ['S01', 'S02', 'S05']],
    ['gt', filter('DM', 'AGE', 'gt', 52), ['S04']],
    ['ge', filter('DM', 'AGE', 'ge', 52), ['S03', 'S04']],
    ['in', filter('DM', 'ARM', 'in', ['Drug']), ['S03', 'S04', 'S05']],
    ['in with null', filter('DM', 'ARM', 'in', ['Placebo', null]), ['S01', 'S02', 'S06']],
    ['in an empty list', filter('DM', 'ARM', 'in', []), []],
    ['nin keeps missing values', filter('DM', 'ARM', 'nin', ['Placebo']), ['S03', 'S04', 'S05', 'S06']],
    ['nin with null', filter('DM', 'ARM', 'nin', ['Placebo', null]), ['S03', 'S04', 'S05']],
    // Controlled terminology: the CDISC pilot writes ARMCD `Scrnfail` where the value list says SCRNFAIL.
    ['eq ignores case and blanks on text', filter('DM', 'ARM', 'eq', ' PLACEBO'), ['S01', 'S02']],
    ['in ignores case and blanks on text', filter('DM', 'ARM', 'in', ['drug ', 'x']), ['S03', 'S04', 'S05']],
    ['ne ignores case on text', filter('DM', 'SEX', 'ne', 'f'), ['S02', 'S04', 'S06']],
    ['nin ignores case on text', filter('DM', 'ARM', 'nin', ['placebo']), ['S03', 'S04', 'S05', 'S06']],
    ['between', filter('DM', 'AGE', 'between', [34, 52]), ['S01', 'S02', 'S03']],
    ['between, open above', filter('DM', 'AGE', 'between', [50, null]), ['S03', 'S04']],
    ['between, open below', filter('DM', 'AGE', 'between', [null, 34]), ['S01', 'S05']],
    [
      'between on a date column, bounds as text',
      filter('DM', 'RFSTDT', 'between', ['2024-01-10', '2024-02-29']),
      ['S02', 'S03', 'S04'],
    ],
    ['lt on a date column', filter('DM', 'RFSTDT', 'lt', '2024-02-01'), ['S01', 'S02']],
    ['ge on a datetime column given a date', filter('DM', 'RFXSTDTM', 'ge', '2024-01-10'), ['S02']],
    // ISO text compares as text: the partial "2024-03" sorts after "2024-02-29".
    ['between on ISO text', filter('DM', 'RFSTDTC', 'between', ['2024-02-01', '2024-02-29']), ['S03', 'S04']],
    ['contains, any case', filter('DM', 'ARM', 'contains', 'RUG'), ['S03', 'S04', 'S05']],
    ['contains on a number column reads its text', filter('DM', 'AGE', 'contains', '5'), ['S02', 'S03']],
    ['starts, any case', filter('DM', 'ARM', 'starts', 'pla'), ['S01', 'S02']],
    ['null', filter('DM', 'AGE', 'null'), ['S06']],
    ['notnull', filter('DM', 'RFSTDT', 'notnull'), ['S01', 'S02', 'S03', 'S04']],
  ])('%s', async (_, where, expected) => {
    expect(await subjects(where)).toEqual(expected);
  });

  it('ANDs several filters', async () => {
    expect(await subjects(filter('DM', 'SEX', 'eq', 'F'), filter('DM', 'AGE', 'gt', 30))).toEqual(['S01', 'S03']);
  });

  it('matches dataset and column names case-insensitively', async () => {
    expect(await subjects(filter('dm', 'sex', 'eq', 'M'))).toEqual(['S02', 'S04', 'S06']);
  });
});

describe('joins and exists', () => {
  const aeToDm = [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }];
  const dmToAe = [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }];

  it('groups events by a column of a joined dataset', async () => {
    const result = await rows({
      from: 'AE',
      joins: [{ dataset: 'DM', on: aeToDm }],
      groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
      measures: [{ op: 'count', as: 'events' }],
    });
    expect(result).toEqual([
      ['Drug', 6],
      ['Placebo', 3],
    ]);
  });

  it('a left join keeps unmatched rows; an inner join drops them', async () => {
    const count = async (kind: 'left' | 'inner') =>
      rows({ from: 'DM', joins: [{ dataset: 'AE', kind, on: dmToAe }], measures: [{ op: 'count', as: 'n' }] });
    expect(await count('left')).toEqual([[10]]);
    expect(await count('inner')).toEqual([[9]]);
  });

  it('filters on a joined column', async () => {
    const result = await rows({
      from: 'AE',
      joins: [{ dataset: 'DM', on: aeToDm }],
      where: [filter('DM', 'SEX', 'eq', 'F')],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect(result).toEqual([[7]]);
  });

  it('exists keeps the subjects with a matching row, without multiplying them', async () => {
    const serious = (negate: boolean) =>
      rows({
        from: 'DM',
        exists: [{ dataset: 'AE', on: dmToAe, where: [filter('AE', 'AESER', 'eq', 'Y')], negate }],
        select: [{ column: ref('DM', 'USUBJID'), as: 'id' }],
      });
    expect(await serious(false)).toEqual([['S02'], ['S03']]);
    expect(await serious(true)).toEqual([['S01'], ['S04'], ['S05'], ['S06']]);
  });

  it('a one-key exists is a semi-join by IN, with the same rows as EXISTS when ids are missing on either side', async () => {
    // Subjects S07 (no id on its DM row) and an AE row without an id: a `NOT IN` would keep no
    // subject at all (the null among the matched ids makes it null), `EXISTS` keeps the right ones.
    const dm = await study.write(
      'dm-null-id.parquet',
      `SELECT USUBJID, SEX FROM read_parquet('${study.datasets.get('DM')?.file}') UNION ALL SELECT NULL, 'F'`,
    );
    const ae = await study.write(
      'ae-null-id.parquet',
      `SELECT USUBJID, AESER FROM read_parquet('${study.datasets.get('AE')?.file}') UNION ALL SELECT NULL, 'Y'`,
    );
    const text = (name: string) => ({ name, type: 'string' as const });
    const datasets = new Map([
      ['DM', { file: dm, columns: [text('USUBJID'), text('SEX')] }],
      ['AE', { file: ae, columns: [text('USUBJID'), text('AESER')] }],
    ]);
    const resolve = (name: string) => datasets.get(name.toUpperCase());
    for (const negate of [false, true]) {
      for (const where of [[], [filter('AE', 'AESER', 'eq', 'Y')]]) {
        const spec: QuerySpec = {
          from: 'DM',
          exists: [{ dataset: 'AE', on: dmToAe, where, negate }],
          groupBy: [{ column: ref('DM', 'SEX'), as: 'sex' }],
          measures: [{ op: 'count', as: 'rows' }],
        };
        const compiled = compileQuery(spec, resolve);
        expect(compiled.sql).toMatch(/"USUBJID" IN \(SELECT e0\."USUBJID" FROM /);
        expect(compiled.sql).not.toMatch(/EXISTS/);
        runs++;
        const got = (await engine.run(spec, resolve, { cacheKey: `null-ids-${runs}` })).result.rows;
        const serious = where.length > 0 ? ` AND upper(trim(a.AESER)) = 'Y'` : '';
        const expected = await study.rows(
          `SELECT d.SEX, count(*) FROM read_parquet('${dm}') d WHERE ${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM read_parquet('${ae}') a WHERE a.USUBJID = d.USUBJID${serious}) GROUP BY 1 ORDER BY 1`,
        );
        expect(got).toEqual(expected.map(([sex, n]) => [sex, Number(n)]));
        expect(got.length).toBeGreaterThan(0);
      }
    }
  });

  it('an exists on two keys stays a correlated EXISTS', async () => {
    const spec: QuerySpec = {
      from: 'DM',
      exists: [
        {
          dataset: 'AE',
          on: [...dmToAe, { left: ref('DM', 'RFSTDTC'), right: 'AESTDTC' }],
          negate: true,
        },
      ],
      measures: [{ op: 'count', as: 'n' }],
    };
    expect(compileQuery(spec, study.resolve).sql).toMatch(/NOT EXISTS \(SELECT 1 FROM /);
    // S05's only event starts on the day it entered ("2024-03"): the one subject with a match.
    expect(await rows(spec)).toEqual([[5]]);
  });

  it('exists without filters: subjects with any event', async () => {
    const result = await rows({
      from: 'DM',
      exists: [{ dataset: 'AE', on: dmToAe }],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect(result).toEqual([[5]]);
  });
});

describe('measures', () => {
  const dm = (column: string) => ref('DM', column);

  it('computes each aggregate with its type', async () => {
    const result = await query({
      from: 'DM',
      measures: [
        { op: 'count', as: 'rows' },
        { op: 'count', column: dm('AGE'), as: 'with_age' },
        { op: 'count_distinct', column: dm('ARM'), as: 'arms' },
        { op: 'sum', column: dm('NVIS'), as: 'visits' },
        { op: 'sum', column: dm('AGE'), as: 'age_sum' },
        { op: 'mean', column: dm('AGE'), as: 'age_mean' },
        { op: 'min', column: dm('AGE'), as: 'age_min' },
        { op: 'max', column: dm('AGE'), as: 'age_max' },
        { op: 'min', column: dm('RFSTDT'), as: 'first_date' },
        { op: 'max', column: dm('RFSTDTC'), as: 'last_dtc' },
        { op: 'median', column: dm('AGE'), as: 'age_median' },
        { op: 'percentile', column: dm('AGE'), p: 0.25, as: 'age_p25' },
        { op: 'percentile', column: dm('AGE'), p: 0.9, as: 'age_p90' },
        { op: 'stddev', column: dm('AGE'), as: 'age_sd' },
      ],
    });
    expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'rows:integer',
      'with_age:integer',
      'arms:integer',
      'visits:integer',
      'age_sum:number',
      'age_mean:number',
      'age_min:number',
      'age_max:number',
      'first_date:date',
      'last_dtc:string',
      'age_median:number',
      'age_p25:number',
      'age_p90:number',
      'age_sd:number',
    ]);
    // Ages 29, 34, 45, 52, 61 (and one missing); visits 3 + 5 + 4 + 2 + 6.
    const [row] = result.rows;
    expect(row?.slice(0, 12)).toEqual([6, 5, 2, 20, 221, 44.2, 29, 61, '2024-01-08', '2024-03', 45, 34]);
    expect(row?.[12]).toBeCloseTo(52 + 0.6 * 9, 10);
    // Sample standard deviation: squared deviations from 44.2 add up to 678.8, over n - 1 = 4.
    expect(row?.[13]).toBeCloseTo(Math.sqrt(678.8 / 4), 10);
  });

  it('a measure with where sees only its rows, beside one that sees all', async () => {
    const result = await rows({
      from: 'AE',
      groupBy: [{ column: ref('AE', 'AEBODSYS'), as: 'soc' }],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count', as: 'serious', where: [filter('AE', 'AESER', 'eq', 'Y')] },
        { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
      ],
    });
    expect(result).toEqual([
      ['GASTROINTESTINAL', 2, 1, 2],
      ['NERVOUS SYSTEM', 5, 1, 4],
      ['SKIN', 2, 0, 2],
    ]);
  });

  it("Tukey whiskers and outliers per group match a hand computation, with and without a measure's where", async () => {
    const file = await study.write(
      'tukey.parquet',
      `SELECT G, CAST(V AS DOUBLE) AS V FROM (VALUES ('A', -10), ('A', 2), ('A', 4), ('A', 4), ('A', 5), ('A', 6), ('A', 7), ('A', 8),
         ('A', 30), ('B', 1), ('B', 2), ('B', 3), ('B', NULL)) AS v(G, V)`,
    );
    const resolve = (name: string) =>
      name.toUpperCase() === 'T'
        ? {
            file,
            columns: [
              { name: 'G', type: 'string' },
              { name: 'V', type: 'number' },
            ],
          }
        : undefined;
    const v = ref('T', 'V');
    const below20 = [filter('T', 'V', 'lt', 20)];
    const run = await engine.run(
      {
        from: 'T',
        groupBy: [{ column: ref('T', 'G'), as: 'g' }],
        measures: [
          { op: 'whisker_low', column: v, as: 'lo' },
          { op: 'whisker_high', column: v, as: 'hi' },
          { op: 'outliers', column: v, as: 'out' },
          { op: 'whisker_low', column: v, as: 'lo20', where: below20 },
          { op: 'whisker_high', column: v, as: 'hi20', where: below20 },
          { op: 'outliers', column: v, as: 'out20', where: below20 },
        ],
      },
      resolve,
      { cacheKey: 'tukey' },
    );
    expect(run.result.columns.map((c) => c.type)).toEqual([
      'string',
      'number',
      'number',
      'string',
      'number',
      'number',
      'string',
    ]);
    const parse = (text: unknown) => (text === null ? [] : String(text).split(', ').map(Number));
    const [a, b] = run.result.rows;
    // A, 9 values: Q1 = x[2] = 4, Q3 = x[6] = 7 (continuous quantiles at (n-1)p), IQR 3, fences
    // -0.5 and 11.5: whiskers at 2 and 8, outliers -10 and 30.
    expect(a?.slice(0, 3)).toEqual(['A', 2, 8]);
    expect(parse(a?.[3])).toEqual([-10, 30]);
    // A below 20, 8 values: Q1 = 2 + 0.75 × 2 = 3.5, Q3 = 6 + 0.25 × 1 = 6.25, IQR 2.75, fences
    // -0.625 and 10.375: whiskers 2 and 8, outlier -10 (30 is not among the rows).
    expect(a?.slice(4, 6)).toEqual([2, 8]);
    expect(parse(a?.[6])).toEqual([-10]);
    // B: 1, 2, 3 (the missing value is no value): Q1 1.5, Q3 2.5, fences 0 and 4: no outliers.
    expect(b).toEqual(['B', 1, 3, null, 1, 3, null]);
  });

  it('a mean restricted by where', async () => {
    const [[mean]] = (await rows({
      from: 'DM',
      measures: [{ op: 'mean', column: dm('AGE'), as: 'm', where: [filter('DM', 'ARM', 'eq', 'Drug')] }],
    })) as [[number]];
    expect(mean).toBeCloseTo((52 + 61 + 29) / 3, 10);
  });
});

describe('groups', () => {
  const countBy = (dataset: string, group: QuerySpec['groupBy']) =>
    rows({ from: dataset, groupBy: group, measures: [{ op: 'count', as: 'n' }] });

  it('buckets a date column by month and by week (weeks start on Monday)', async () => {
    expect(await countBy('DM', [{ column: ref('DM', 'RFSTDT'), as: 'month', bucket: 'month' }])).toEqual([
      ['2024-01-01', 2],
      ['2024-02-01', 2],
      [null, 2],
    ]);
    expect(await countBy('DM', [{ column: ref('DM', 'RFSTDT'), as: 'week', bucket: 'week' }])).toEqual([
      ['2024-01-08', 2],
      ['2024-01-29', 1],
      ['2024-02-26', 1],
      [null, 2],
    ]);
  });

  it('buckets ISO-8601 text; a partial date is no day, so it is null', async () => {
    const result = await query({
      from: 'DM',
      groupBy: [{ column: ref('DM', 'RFSTDTC'), as: 'day', bucket: 'day' }],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect(result.columns[0]).toEqual({ name: 'day', type: 'date' });
    expect(result.rows).toEqual([
      ['2024-01-08', 1],
      ['2024-01-10', 1],
      ['2024-02-01', 1],
      ['2024-02-29', 1],
      [null, 2],
    ]);
    expect(await countBy('AE', [{ column: ref('AE', 'AESTDTC'), as: 'month', bucket: 'month' }])).toEqual([
      ['2024-01-01', 3],
      ['2024-02-01', 2],
      ['2024-03-01', 3],
      [null, 1],
    ]);
    expect(await countBy('AE', [{ column: ref('AE', 'AESTDTC'), as: 'q', bucket: 'quarter' }])).toEqual([
      ['2024-01-01', 8],
      [null, 1],
    ]);
  });

  it('buckets a datetime column to dates', async () => {
    expect(await countBy('DM', [{ column: ref('DM', 'RFXSTDTM'), as: 'day', bucket: 'day' }])).toEqual([
      ['2024-01-08', 1],
      ['2024-01-10', 1],
      [null, 4],
    ]);
  });

  it('bins numbers by their low edge', async () => {
    const ages = await query({
      from: 'DM',
      groupBy: [{ column: ref('DM', 'AGE'), as: 'age', binWidth: 20 }],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect(ages.columns[0]?.type).toBe('number');
    expect(ages.rows).toEqual([
      [20, 2],
      [40, 2],
      [60, 1],
      [null, 1],
    ]);
    const visits = await query({
      from: 'DM',
      groupBy: [{ column: ref('DM', 'NVIS'), as: 'visits', binWidth: 2 }],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect(visits.columns[0]?.type).toBe('integer');
    expect(visits.rows).toEqual([
      [2, 2],
      [4, 2],
      [6, 1],
      [null, 1],
    ]);
  });

  it('groups by two columns, ordered by both', async () => {
    expect(
      await countBy('DM', [
        { column: ref('DM', 'ARM'), as: 'arm' },
        { column: ref('DM', 'SEX'), as: 'sex' },
      ]),
    ).toEqual([
      ['Drug', 'F', 2],
      ['Drug', 'M', 1],
      ['Placebo', 'F', 1],
      ['Placebo', 'M', 1],
      [null, 'M', 1],
    ]);
  });
});

describe('topN', () => {
  const terms = (topN: NonNullable<QuerySpec['topN']>, extra: Partial<QuerySpec> = {}) =>
    rows({
      from: 'AE',
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
      ],
      topN,
      ...extra,
    });

  it('keeps the top n by the measure (ties by key) and recomputes Other over its rows', async () => {
    // HEADACHE 4 events; NAUSEA and RASH 2 each (NAUSEA first by name); DIZZINESS 1. Other holds
    // RASH (S03, S05) and DIZZINESS (S03): 3 events but 2 subjects, not 2 + 1.
    expect(await terms({ key: 'term', by: 'events', n: 2 })).toEqual([
      ['HEADACHE', 4, 4],
      ['NAUSEA', 2, 2],
      ['Other', 3, 2],
    ]);
  });

  it('keeps Other last whatever the order, with its own label', async () => {
    expect(
      await terms(
        { key: 'term', by: 'events', n: 2, other: 'All other terms' },
        { orderBy: [{ key: 'term', dir: 'desc' }] },
      ),
    ).toEqual([
      ['NAUSEA', 2, 2],
      ['HEADACHE', 4, 4],
      ['All other terms', 3, 2],
    ]);
  });

  it('has no Other row when every group is in the top n', async () => {
    expect(await terms({ key: 'term', by: 'subjects', n: 10 })).toEqual([
      ['HEADACHE', 4, 4],
      ['NAUSEA', 2, 2],
      ['RASH', 2, 2],
      ['DIZZINESS', 1, 1],
    ]);
  });

  it('ranks the key alone when there are other groups, keeping the rank order', async () => {
    const result = await rows({
      from: 'AE',
      joins: [{ dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }],
      groupBy: [
        { column: ref('AE', 'AEDECOD'), as: 'term' },
        { column: ref('DM', 'ARM'), as: 'arm' },
      ],
      measures: [{ op: 'count', as: 'events' }],
      topN: { key: 'term', by: 'events', n: 1 },
    });
    expect(result).toEqual([
      ['HEADACHE', 'Drug', 2],
      ['HEADACHE', 'Placebo', 2],
      ['Other', 'Drug', 4],
      ['Other', 'Placebo', 1],
    ]);
  });

  it('a bucketed key with filters everywhere keeps its parameters in order', async () => {
    // Non-serious events by month: Jan 2, Feb 2, Mar 2, partial 1. Ties go by the key as text.
    const result = await rows({
      from: 'AE',
      where: [filter('AE', 'AESER', 'ne', 'Y')],
      groupBy: [{ column: ref('AE', 'AESTDTC'), as: 'month', bucket: 'month' }],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count', as: 'headaches', where: [filter('AE', 'AEDECOD', 'eq', 'HEADACHE')] },
      ],
      topN: { key: 'month', by: 'events', n: 1 },
    });
    expect(result).toEqual([
      ['2024-01-01', 2, 1],
      ['Other', 5, 2],
    ]);
  });

  it('says how many keys Other merges (keysInOther), on the Other row only', async () => {
    // Top 2 by events: HEADACHE, NAUSEA; Other holds RASH and DIZZINESS.
    const result = await query({
      from: 'AE',
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [{ op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' }],
      topN: { key: 'term', by: 'subjects', n: 2, keysInOther: 'terms_in_other' },
    });
    expect(result.columns.at(-1)).toEqual({ name: 'terms_in_other', type: 'integer' });
    expect(result.rows).toEqual([
      ['HEADACHE', 4, null],
      ['NAUSEA', 2, null],
      ['Other', 2, 2],
    ]);
    // Only the rows that pass the filters are ranked: without HEADACHE, Other holds DIZZINESS alone.
    const filtered = await rows({
      from: 'AE',
      where: [filter('AE', 'AEDECOD', 'ne', 'HEADACHE')],
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [{ op: 'count', as: 'events' }],
      topN: { key: 'term', by: 'events', n: 2, keysInOther: 'terms_in_other' },
    });
    expect(filtered.at(-1)).toEqual(['Other', 1, 1]);
  });

  it('keysInOther counts keys over all groups, once, on each Other row of a second group', async () => {
    const result = await rows({
      from: 'AE',
      joins: [{ dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }],
      groupBy: [
        { column: ref('AE', 'AEDECOD'), as: 'term' },
        { column: ref('DM', 'ARM'), as: 'arm' },
      ],
      measures: [{ op: 'count', as: 'events' }],
      topN: { key: 'term', by: 'events', n: 1, keysInOther: 'terms_in_other' },
    });
    // NAUSEA, RASH and DIZZINESS are Other: three terms, whichever arm's row says it.
    expect(result).toEqual([
      ['HEADACHE', 'Drug', 2, null],
      ['HEADACHE', 'Placebo', 2, null],
      ['Other', 'Drug', 4, 3],
      ['Other', 'Placebo', 1, 3],
    ]);
  });

  it('keysInOther is a column of nulls when no key is left out, in the ranked form too', async () => {
    const spec: QuerySpec = {
      from: 'AE',
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [{ op: 'count', as: 'events' }],
      topN: { key: 'term', by: 'events', n: 10, keysInOther: 'terms_in_other' },
    };
    const expected = [
      ['HEADACHE', 4, null],
      ['NAUSEA', 2, null],
      ['RASH', 2, null],
      ['DIZZINESS', 1, null],
    ];
    expect(await rows(spec)).toEqual(expected);
    // The form for a key known to hold no more than N values (no Other computed at all), which
    // the engine takes once it has counted the key's values (the first run counts them).
    const ranked = compileQuery(spec, study.resolve, { keyValues: () => 4 });
    expect(ranked.sql).not.toMatch(/top_keys/);
    expect(ranked.sql).toMatch(/CAST\(NULL AS BIGINT\) AS "terms_in_other"/);
    expect(await rows(spec)).toEqual(expected);
  });

  it('keysInOther may not take the name of another output', async () => {
    await expect(
      query({
        from: 'AE',
        groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
        measures: [{ op: 'count', as: 'events' }],
        topN: { key: 'term', by: 'events', n: 1, keysInOther: 'events' },
      }),
    ).rejects.toThrow(/topN.keysInOther: the output name "events" is already used/);
  });

  it('a key that is not text is compared and reported as text', async () => {
    const result = await query({
      from: 'DM',
      groupBy: [{ column: ref('DM', 'NVIS'), as: 'visits', binWidth: 2 }],
      measures: [{ op: 'count', as: 'n' }],
      topN: { key: 'visits', by: 'n', n: 1 },
    });
    expect(result.columns[0]).toEqual({ name: 'visits', type: 'string' });
    expect(result.rows).toEqual([
      ['2', 2],
      ['Other', 4],
    ]);
  });
});

describe('order, limit, offset, total', () => {
  const ids = (extra: Partial<QuerySpec>) =>
    query({ from: 'DM', select: [{ column: ref('DM', 'USUBJID'), as: 'id' }], ...extra });

  it('orders by an output, missing values last in both directions', async () => {
    const byAge = (dir: 'asc' | 'desc') =>
      rows({
        from: 'DM',
        select: [
          { column: ref('DM', 'USUBJID'), as: 'id' },
          { column: ref('DM', 'AGE'), as: 'age' },
        ],
        orderBy: [{ key: 'age', dir }],
      });
    expect((await byAge('asc')).map((r) => r[0])).toEqual(['S05', 'S01', 'S02', 'S03', 'S04', 'S06']);
    expect((await byAge('desc')).map((r) => r[0])).toEqual(['S04', 'S03', 'S02', 'S01', 'S05', 'S06']);
  });

  it('orders groups by a measure, ties by the group key', async () => {
    const result = await rows({
      from: 'AE',
      groupBy: [{ column: ref('AE', 'AEDECOD'), as: 'term' }],
      measures: [{ op: 'count', as: 'n' }],
      orderBy: [{ key: 'n', dir: 'desc' }],
    });
    expect(result).toEqual([
      ['HEADACHE', 4],
      ['NAUSEA', 2],
      ['RASH', 2],
      ['DIZZINESS', 1],
    ]);
  });

  it('cuts at limit and says so; offset pages on', async () => {
    const first = await ids({ limit: 4 });
    expect(first.rows).toEqual([['S01'], ['S02'], ['S03'], ['S04']]);
    expect(first.truncated).toBe(true);
    expect(first.total).toBeUndefined();
    const last = await ids({ limit: 4, offset: 4 });
    expect(last.rows).toEqual([['S05'], ['S06']]);
    expect(last.truncated).toBe(false);
    expect((await ids({ limit: 6 })).truncated).toBe(false);
  });

  it('withTotal counts the rows before limit and offset', async () => {
    const page = await ids({ limit: 2, offset: 2, withTotal: true, where: [filter('DM', 'SEX', 'eq', 'M')] });
    expect(page.rows).toEqual([['S06']]);
    expect(page.total).toBe(3);
    const arms = await query({
      from: 'DM',
      select: [{ column: ref('DM', 'ARM'), as: 'arm' }],
      distinct: true,
      withTotal: true,
      limit: 1,
    });
    expect(arms.rows).toEqual([['Drug']]);
    expect(arms).toMatchObject({ total: 3, truncated: true });
  });

  it('returns datetimes, dates and integers as JSON', async () => {
    const result = await rows({
      from: 'DM',
      where: [filter('DM', 'USUBJID', 'eq', 'S02')],
      select: [
        { column: ref('DM', 'RFXSTDTM'), as: 'dtm' },
        { column: ref('DM', 'RFSTDT'), as: 'dt' },
        { column: ref('DM', 'NVIS'), as: 'visits' },
      ],
    });
    expect(result).toEqual([['2024-01-10T23:59:00', '2024-01-10', 5]]);
  });
});
