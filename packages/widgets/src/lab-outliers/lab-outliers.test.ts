import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { labOutliers } from './index.ts';

type Options = typeof labOutliers.defaultOptions;

const LB = (column: string) => ({ dataset: 'LB', column });
const DM = (column: string) => ({ dataset: 'DM', column });

const FIELDS = {
  subject_id: LB('USUBJID'),
  arm: DM('ACTARM'),
  lab_test: LB('LBTEST'),
  lab_test_code: LB('LBTESTCD'),
  lab_value: LB('LBSTRESN'),
  lab_lln: LB('LBSTNRLO'),
  lab_uln: LB('LBSTNRHI'),
  lab_date: LB('LBDTC'),
};

function context(
  options: Partial<Options> = {},
  view?: WidgetContext<Options>['view'],
  fields: WidgetContext<Options>['fields'] = FIELDS,
): WidgetContext<Options> {
  return {
    dataset: 'LB',
    population: 'DM',
    fields,
    filters: [],
    options: labOutliers.options.parse(options),
    ...(view ? { view } : {}),
  };
}

const NAMES = ['subject_id', 'arm', 'test', 'lab_date', 'value', 'lln', 'uln'];
const result = (rows: unknown[][], total: number): QueryResult => ({
  columns: NAMES.map((name) => ({ name, type: 'string' as const })),
  rows,
  total,
  truncated: false,
});

describe('lab-outliers queries', () => {
  it('outside the range: one query below LLN, one above ULN, each to the end of the page', () => {
    const queries = labOutliers.buildQueries(context({ pageSize: 10 }, { offset: 20 }));
    expect(Object.keys(queries)).toEqual(['low', 'high']);
    expect(queries.low?.where).toContainEqual({
      column: LB('LBSTRESN'),
      op: 'lt',
      against: { column: LB('LBSTNRLO') },
    });
    expect(queries.high?.where).toContainEqual({
      column: LB('LBSTRESN'),
      op: 'gt',
      against: { column: LB('LBSTNRHI') },
    });
    expect(queries.high?.limit).toBe(30);
    expect(queries.high?.orderBy).toEqual([
      { key: 'subject_id', dir: 'asc' },
      { key: 'test', dir: 'asc' },
      { key: 'lab_date', dir: 'asc' },
      { key: 'value', dir: 'asc' },
    ]);
  });

  it('above k × ULN: one query', () => {
    const queries = labOutliers.buildQueries(context({ rule: 'above-uln-multiple', times: 5 }));
    expect(Object.keys(queries)).toEqual(['high']);
    expect(queries.high?.where).toContainEqual({
      column: LB('LBSTRESN'),
      op: 'gt',
      against: { column: LB('LBSTNRHI'), times: 5 },
    });
  });

  it('says what to map without limits', () => {
    const { lab_lln: _, lab_uln: __, ...bare } = FIELDS;
    expect(() => labOutliers.buildQueries(context({}, undefined, bare))).toThrow(/lower or upper limit mapped/);
  });

  it('sorts by a column the reader picked, ×ULN by the value', () => {
    const queries = labOutliers.buildQueries(context({}, { offset: 0, sort: { key: 'x_uln', dir: 'desc' } }));
    expect(queries.high?.orderBy?.[0]).toEqual({ key: 'value', dir: 'desc' });
  });
});

describe('lab-outliers page (hand-checked)', () => {
  const results = {
    low: result(
      [
        ['S1', 'Drug', 'K', '2024-01-05', 3.1, 3.5, 5.1],
        ['S3', 'Placebo', 'ALB', '2024-01-06', 30, 35, 50],
      ],
      2,
    ),
    high: result(
      [
        ['S1', 'Drug', 'ALT', '2024-01-20', 120, 7, 40],
        ['S2', 'Drug', 'ALT', '2024-01-09', 45, 7, 40],
      ],
      3,
    ),
  };

  it('merges both sides in subject, test, date order, with ×ULN and the flag; total is both totals', () => {
    const table = labOutliers.toTable(results, context({ pageSize: 3 }));
    expect(table.total).toBe(5);
    expect(table.columns.map((c) => c.name)).toEqual([
      'subject_id',
      'arm',
      'test',
      'lab_date',
      'value',
      'lln',
      'uln',
      'x_uln',
      'flag',
    ]);
    expect(table.rows).toEqual([
      ['S1', 'Drug', 'ALT', '2024-01-20', 120, 7, 40, 3, 'HIGH'],
      ['S1', 'Drug', 'K', '2024-01-05', 3.1, 3.5, 5.1, 0.61, 'LOW'],
      ['S2', 'Drug', 'ALT', '2024-01-09', 45, 7, 40, 1.13, 'HIGH'],
    ]);
    expect(table.columns[0]).toMatchObject({ field: 'subject_id' });
  });

  it('the second page starts after the first, across both sides', () => {
    const table = labOutliers.toTable(results, context({ pageSize: 3 }, { offset: 3 }));
    expect(table.rows.map((r) => [r[0], r[2]])).toEqual([['S3', 'ALB']]);
  });

  it('sorted by value, descending', () => {
    const table = labOutliers.toTable(results, context({}, { offset: 0, sort: { key: 'value', dir: 'desc' } }));
    expect(table.rows.map((r) => r[4])).toEqual([120, 45, 30, 3.1]);
  });
});
