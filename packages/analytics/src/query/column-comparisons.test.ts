import type { QueryFilter, QueryResult, QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryEngine } from './query-engine.ts';
import { makeStudy, ref, type TestStudy } from './test-support.ts';

/**
 * Filters that compare two columns of a row (`against`) and ratio measures (`per`): what lab
 * widgets need when every record carries its own reference range.
 */

/** Hand-made labs: S01's ULN changes between records (a different lab), S02 has a zero and a missing ULN. */
const LB_SQL = `SELECT USUBJID, LBTESTCD, CAST(LBSTRESN AS DOUBLE) AS LBSTRESN, CAST(LBSTNRHI AS DOUBLE) AS LBSTNRHI, LBDTC
  FROM (VALUES
    ('S01', 'ALT', 60, 40, '2024-01-08'),
    ('S01', 'ALT', 100, 80, '2024-01-20'),
    ('S01', 'ALT', 30, 40, '2024-02-01T10:00'),
    ('S02', 'ALT', 50, 0, '2024-01-09'),
    ('S02', 'ALT', 20, NULL, '2024-01-11'),
    ('S02', 'ALT', 45, 30, '2024-01'),
    ('S03', 'ALT', NULL, 40, '2024-02-02')
  ) AS v(USUBJID, LBTESTCD, LBSTRESN, LBSTNRHI, LBDTC)`;

let study: TestStudy;
let engine: QueryEngine;
let runs = 0;

beforeAll(async () => {
  study = await makeStudy();
  study.datasets.set('LB', {
    file: await study.write('lb.parquet', LB_SQL),
    columns: [
      { name: 'USUBJID', type: 'string' },
      { name: 'LBTESTCD', type: 'string' },
      { name: 'LBSTRESN', type: 'number' },
      { name: 'LBSTNRHI', type: 'number' },
      { name: 'LBDTC', type: 'string' },
    ],
  });
  engine = new QueryEngine({ memoryLimit: '256MB', threads: 2 });
});

afterAll(async () => {
  await engine.close();
  await study.remove();
});

async function query(spec: QuerySpec): Promise<QueryResult> {
  runs++;
  return (await engine.run(spec, study.resolve, { cacheKey: `c${runs}` })).result;
}

const lbJoin = { dataset: 'DM', on: [{ left: ref('LB', 'USUBJID'), right: 'USUBJID' }] };
const value = ref('LB', 'LBSTRESN');
const uln = ref('LB', 'LBSTNRHI');

async function countWhere(...where: QueryFilter[]): Promise<number> {
  const result = await query({ from: 'LB', joins: [lbJoin], where, measures: [{ op: 'count', as: 'n' }] });
  return result.rows[0]?.[0] as number;
}

describe('filters against another column', () => {
  it.each<[string, QueryFilter, number]>([
    // 60>40, 100>80, 50>0; the 45 > 30 too. Missing ULN or value never passes.
    ['value above its own ULN', { column: value, op: 'gt', against: { column: uln } }, 4],
    ['value at or above 1.5 × ULN', { column: value, op: 'ge', against: { column: uln, times: 1.5 } }, 3],
    ['value at most ULN', { column: value, op: 'le', against: { column: uln } }, 1],
    ['ne skips rows missing a side', { column: value, op: 'ne', against: { column: uln } }, 5],
    // DM RFSTDT (DATE): S01 2024-01-08, S02 2024-01-10, S03 2024-02-01. LBDTC is ISO text.
    // S01: 01-20 and 02-01T10:00 (not 01-08 itself); S02: 01-11 (01-09 is before, "2024-01" no date); S03: 02-02.
    [
      'a text date after a DATE column',
      { column: ref('LB', 'LBDTC'), op: 'gt', against: { column: ref('DM', 'RFSTDT') } },
      4,
    ],
    [
      'a text date on or before a DATE column',
      { column: ref('LB', 'LBDTC'), op: 'le', against: { column: ref('DM', 'RFSTDT') } },
      2,
    ],
    // RFSTDTC is text too; S02's "2024-01" lab date is partial, so it is in neither count.
    [
      'text against text, as dates',
      { column: ref('LB', 'LBDTC'), op: 'ge', against: { column: ref('DM', 'RFSTDTC') } },
      5,
    ],
  ])('%s', async (_, where, expected) => {
    expect(await countWhere(where)).toBe(expected);
  });

  it('works inside a measure filter', async () => {
    const result = await query({
      from: 'LB',
      groupBy: [{ column: ref('LB', 'USUBJID'), as: 'id' }],
      measures: [{ op: 'count', as: 'high', where: [{ column: value, op: 'gt', against: { column: uln } }] }],
      orderBy: [{ key: 'id' }],
    });
    expect(result.rows).toEqual([
      ['S01', 2],
      ['S02', 2],
      ['S03', 0],
    ]);
  });

  it.each<[string, QueryFilter, RegExp]>([
    ['an op that is no comparison', { column: value, op: 'in', against: { column: uln } }, /where\[0\]\.op: .*not in/],
    [
      'a value as well',
      { column: value, op: 'gt', value: 3, against: { column: uln } },
      /where\[0\]\.value: .*no value/,
    ],
    [
      'a number against text',
      { column: value, op: 'gt', against: { column: ref('LB', 'LBDTC') } },
      /where\[0\]\.against\.column: LBSTRESN \(number\) and LBDTC \(string\)/,
    ],
    [
      'times on dates',
      { column: ref('LB', 'LBDTC'), op: 'gt', against: { column: ref('DM', 'RFSTDT'), times: 2 } },
      /against\.times/,
    ],
    [
      'an unknown column',
      { column: value, op: 'gt', against: { column: ref('LB', 'ULN') } },
      /where\[0\]\.against\.column: no column "ULN" in dataset LB/,
    ],
  ])('refuses %s, naming where', async (_, where, message) => {
    await expect(countWhere(where)).rejects.toThrow(message);
  });
});

describe('ratio measures (per)', () => {
  it('peak multiple of ULN per subject, exact when the ULN changes between records', async () => {
    const result = await query({
      from: 'LB',
      groupBy: [{ column: ref('LB', 'USUBJID'), as: 'id' }],
      measures: [
        { op: 'max', column: value, per: uln, as: 'peak' },
        { op: 'min', column: value, per: uln, as: 'low' },
        { op: 'max', column: value, as: 'peak_value' },
      ],
      orderBy: [{ key: 'id' }],
    });
    // S01: 60/40 = 1.5, 100/80 = 1.25, 30/40 = 0.75; the peak value (100) is not the peak multiple.
    // S02: 50/0 and 20/NULL are skipped; 45/30 = 1.5. S03 has no value.
    expect(result.rows).toEqual([
      ['S01', 1.5, 0.75, 100],
      ['S02', 1.5, 1.5, 50],
      ['S03', null, null, null],
    ]);
    expect(result.columns.map((c) => c.type)).toEqual(['string', 'number', 'number', 'number']);
  });

  it('combines with a measure filter', async () => {
    const result = await query({
      from: 'LB',
      measures: [
        {
          op: 'mean',
          column: value,
          per: uln,
          as: 'mean',
          where: [{ column: ref('LB', 'USUBJID'), op: 'eq', value: 'S01' }],
        },
      ],
    });
    expect(result.rows[0]?.[0]).toBeCloseTo((1.5 + 1.25 + 0.75) / 3, 12);
  });

  it.each<[string, QuerySpec['measures'], RegExp]>([
    ['on count', [{ op: 'count', column: value, per: uln, as: 'n' }], /measures\[0\]\.per: count counts values/],
    [
      'on a text column',
      [{ op: 'max', column: ref('LB', 'LBDTC'), per: uln, as: 'n' }],
      /measures\[0\]\.column: a ratio \(per\) needs number columns/,
    ],
    [
      'by a text column',
      [{ op: 'max', column: value, per: ref('LB', 'LBTESTCD'), as: 'n' }],
      /measures\[0\]\.per: a ratio/,
    ],
  ])('refuses per %s', async (_, measures, message) => {
    await expect(query({ from: 'LB', measures })).rejects.toThrow(message);
  });
});
