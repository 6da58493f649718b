import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { worst } from '../labs/categories.ts';
import type { WidgetContext } from '../types.ts';
import { labShift } from './index.ts';

type Options = typeof labShift.defaultOptions;

const LB = (column: string) => ({ dataset: 'LB', column });
const DM = (column: string) => ({ dataset: 'DM', column });

const FIELDS = {
  subject_id: LB('USUBJID'),
  arm: DM('ACTARM'),
  lab_test: LB('LBTEST'),
  lab_test_code: LB('LBTESTCD'),
  baseline_flag: LB('LBBLFL'),
  lab_date: LB('LBDTC'),
  treatment_start: DM('RFXSTDTC'),
  lab_value: LB('LBSTRESN'),
  lab_lln: LB('LBSTNRLO'),
  lab_uln: LB('LBSTNRHI'),
};

function context(
  options: Partial<Options> = {},
  fields: WidgetContext<Options>['fields'] = FIELDS,
): WidgetContext<Options> {
  return { dataset: 'LB', population: 'DM', fields, filters: [], options: labShift.options.parse(options) };
}

const NAMES = ['test', 'arm', 'subject_id', 'base_low', 'base_high', 'base_any', 'post_low', 'post_high', 'post_any'];

function subjects(rows: unknown[][], truncated = false): Record<string, QueryResult> {
  return { subjects: { columns: NAMES.map((name) => ({ name, type: 'string' as const })), rows, truncated } };
}

describe('worst category', () => {
  it.each([
    [{ low: 1, high: 1, any: 3 }, 'HIGH', 'HIGH'],
    [{ low: 1, high: 1, any: 3 }, 'LOW', 'LOW'],
    [{ low: 2, high: 0, any: 2 }, 'HIGH', 'LOW'],
    [{ low: 2, high: 0, any: 3 }, 'HIGH', 'NORMAL'],
    [{ low: 0, high: 1, any: 1 }, 'LOW', 'HIGH'],
    [{ low: 0, high: 0, any: 0 }, 'HIGH', null],
  ] as const)('%j toward %s is %s', (counts, toward, expected) => {
    expect(worst(counts, toward)).toBe(expected);
  });
});

describe('lab-shift query', () => {
  it('counts per subject and test: baseline by flag, post-baseline after the first dose, categories from the limits', () => {
    const queries = labShift.buildQueries(context({ tests: ['ALT', 'BILI'] }));
    expect(Object.keys(queries)).toEqual(['subjects_0', 'subjects_1']);
    const spec = queries.subjects_0;
    expect(spec?.where).toEqual([
      {
        column: DM('ACTARM'),
        op: 'nin',
        value: ['Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT'],
      },
      { column: LB('LBTESTCD'), op: 'eq', value: 'ALT' },
    ]);
    expect(queries.subjects_1?.where).toContainEqual({ column: LB('LBTESTCD'), op: 'eq', value: 'BILI' });
    const post = [
      { column: LB('LBDTC'), op: 'gt', against: { column: DM('RFXSTDTC') } },
      { column: LB('LBBLFL'), op: 'ne', value: 'Y' },
    ];
    const base = [{ column: LB('LBBLFL'), op: 'eq', value: 'Y' }];
    const low = [{ column: LB('LBSTRESN'), op: 'lt', against: { column: LB('LBSTNRLO') } }];
    expect(spec?.measures).toContainEqual({ op: 'count', as: 'base_low', where: [...base, ...low] });
    expect(spec?.measures).toContainEqual({ op: 'count', as: 'post_low', where: [...post, ...low] });
  });

  it('uses the reported indicator when it is mapped', () => {
    const spec = labShift.buildQueries(context({}, { ...FIELDS, lab_indicator: LB('LBNRIND') })).subjects;
    expect(spec?.measures).toContainEqual({
      op: 'count',
      as: 'post_high',
      where: [
        { column: LB('LBDTC'), op: 'gt', against: { column: DM('RFXSTDTC') } },
        { column: LB('LBBLFL'), op: 'ne', value: 'Y' },
        { column: LB('LBNRIND'), op: 'in', value: ['HIGH', 'H', 'HH'] },
      ],
    });
  });

  it('says what to map without dates', () => {
    const { lab_date: _, ...bare } = FIELDS;
    expect(() => labShift.buildQueries(context({}, bare))).toThrow(/needs the lab date and the first treatment date/);
  });
});

describe('lab-shift table (hand-checked)', () => {
  // Drug: S1 NORMAL → high and low post values; S2 LOW → LOW only; S3 NORMAL → NORMAL.
  // Placebo: S4 HIGH → NORMAL; S5 no post-baseline value; S6 no baseline.
  const results = subjects([
    ['ALT', 'Drug', 'S1', 0, 0, 1, 1, 1, 4],
    ['ALT', 'Drug', 'S2', 1, 0, 1, 2, 0, 2],
    ['ALT', 'Drug', 'S3', 0, 0, 1, 0, 0, 3],
    ['ALT', 'Placebo', 'S4', 0, 1, 1, 0, 0, 2],
    ['ALT', 'Placebo', 'S5', 0, 0, 1, 0, 0, 0],
    ['ALT', 'Placebo', 'S6', 0, 0, 0, 0, 1, 1],
  ]);

  it('counts S1 HIGH when worst is high and LOW when worst is low; N is subjects with both values', () => {
    const table = labShift.toTable(results, context());
    const lines = table.rows.map((r) => [r[1], r[2], r[3], r[4], r[5], r[7], r[9], r[11]]);
    expect(lines).toEqual([
      // direction, arm, N, baseline, LOW n, NORMAL n, HIGH n, total
      ['Worst high', 'Drug', 3, 'LOW', 1, 0, 0, 1],
      ['Worst high', 'Drug', 3, 'NORMAL', 0, 1, 1, 2],
      ['Worst high', 'Drug', 3, 'HIGH', 0, 0, 0, 0],
      ['Worst high', 'Placebo', 1, 'LOW', 0, 0, 0, 0],
      ['Worst high', 'Placebo', 1, 'NORMAL', 0, 0, 0, 0],
      ['Worst high', 'Placebo', 1, 'HIGH', 0, 1, 0, 1],
      ['Worst low', 'Drug', 3, 'LOW', 1, 0, 0, 1],
      ['Worst low', 'Drug', 3, 'NORMAL', 1, 1, 0, 2],
      ['Worst low', 'Drug', 3, 'HIGH', 0, 0, 0, 0],
      ['Worst low', 'Placebo', 1, 'LOW', 0, 0, 0, 0],
      ['Worst low', 'Placebo', 1, 'NORMAL', 0, 0, 0, 0],
      ['Worst low', 'Placebo', 1, 'HIGH', 0, 1, 0, 1],
    ]);
    // Percentages of N: 1 of 3 is 33.3 %.
    expect(table.rows[0]?.[6]).toBe(33.3);
    expect(table.notes).toEqual([
      '1 subject-test pairs with a baseline but no post-baseline value left out',
      '1 subject-test pairs without a baseline value left out',
      expect.stringMatching(/^Worst high: HIGH if any post-baseline value is high/),
    ]);
  });

  it('one direction only', () => {
    const table = labShift.toTable(results, context({ direction: 'low' }));
    expect(new Set(table.rows.map((r) => r[1]))).toEqual(new Set(['Worst low']));
  });

  it('every test at once: drops a test the row cap cut part-way, and says so', () => {
    const cut = subjects(
      [
        ['ALT', 'Drug', 'S1', 0, 0, 1, 0, 0, 1],
        ['AST', 'Drug', 'S1', 0, 0, 1, 0, 0, 1],
      ],
      true,
    );
    const table = labShift.toTable(cut, context());
    expect(new Set(table.rows.map((r) => r[0]))).toEqual(new Set(['ALT']));
    expect(table.notes?.[0]).toBe(
      'AST has more subject rows than one answer holds (10,000): filter the data to see it',
    );
  });
});
