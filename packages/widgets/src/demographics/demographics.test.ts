import type { QueryFilter, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { ageBands } from './age-bands.ts';
import { demographics } from './index.ts';

type Options = typeof demographics.defaultOptions;

const DM = (column: string) => ({ dataset: 'DM', column });
const ADSL = (column: string) => ({ dataset: 'ADSL', column });

function context(
  overrides: Omit<Partial<WidgetContext<Options>>, 'options'> & { options?: Partial<Options> } = {},
): WidgetContext<Options> {
  return {
    dataset: 'DM',
    population: 'DM',
    fields: { subject_id: DM('USUBJID'), arm: DM('ARM'), age: DM('AGE'), sex: DM('SEX') },
    filters: [],
    ...overrides,
    options: demographics.options.parse(overrides.options ?? {}),
  };
}

function result(columns: string[], rows: unknown[][]): QueryResult {
  return { columns: columns.map((name) => ({ name, type: 'string' })), rows, truncated: false };
}

describe('age bands', () => {
  it.each([
    { edges: [65, 80], labels: ['<65', '65–80', '>80'] },
    { edges: [80, 65, 65, 90], labels: ['<65', '65–80', '>80–90', '>90'] },
    { edges: [18], labels: ['<18', '>18'] },
    { edges: [], labels: [] },
  ])('$edges gives $labels', ({ edges, labels }) => {
    expect(ageBands(edges).map((band) => band.label)).toEqual(labels);
  });

  it('closes the first middle band below and every band above, as AGEGR1 does', () => {
    const age = DM('AGE');
    expect(ageBands([65, 80, 90]).map((band) => band.filters(age))).toEqual([
      [{ column: age, op: 'lt', value: 65 }],
      [
        { column: age, op: 'ge', value: 65 },
        { column: age, op: 'le', value: 80 },
      ],
      [
        { column: age, op: 'gt', value: 80 },
        { column: age, op: 'le', value: 90 },
      ],
      [{ column: age, op: 'gt', value: 90 }],
    ]);
  });
});

describe('demographics queries', () => {
  const subjects = { op: 'count_distinct', column: DM('USUBJID'), as: 'n' };
  const notAnArm: QueryFilter = {
    column: DM('ARM'),
    op: 'nin',
    value: ['Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN'],
  };

  it('SDTM DM: one summary by arm with age statistics and bands, a total, and a query per category', () => {
    const queries = demographics.buildQueries(context());
    expect(Object.keys(queries)).toEqual(['summary', 'total', 'sex']);
    expect(queries.summary).toEqual({
      from: 'DM',
      joins: [],
      where: [notAnArm],
      exists: [],
      groupBy: [{ column: DM('ARM'), as: 'arm' }],
      measures: [
        subjects,
        { op: 'count', column: DM('AGE'), as: 'age_n' },
        { op: 'mean', column: DM('AGE'), as: 'age_mean' },
        { op: 'stddev', column: DM('AGE'), as: 'age_sd' },
        { op: 'median', column: DM('AGE'), as: 'age_median' },
        { op: 'min', column: DM('AGE'), as: 'age_min' },
        { op: 'max', column: DM('AGE'), as: 'age_max' },
        { ...subjects, as: 'age_band_0', where: [{ column: DM('AGE'), op: 'lt', value: 65 }] },
        {
          ...subjects,
          as: 'age_band_1',
          where: [
            { column: DM('AGE'), op: 'ge', value: 65 },
            { column: DM('AGE'), op: 'le', value: 80 },
          ],
        },
        { ...subjects, as: 'age_band_2', where: [{ column: DM('AGE'), op: 'gt', value: 80 }] },
      ],
    });
    expect(queries.total).toEqual({ ...queries.summary, groupBy: undefined, measures: queries.summary?.measures });
    expect(queries.sex).toMatchObject({
      groupBy: [
        { column: DM('ARM'), as: 'arm' },
        { column: DM('SEX'), as: 'value' },
      ],
      measures: [subjects],
    });
  });

  it.each([
    {
      name: 'ADSL with SAFFL keeps the safety population',
      ctx: context({
        dataset: 'ADSL',
        population: 'ADSL',
        fields: { subject_id: ADSL('USUBJID'), arm: ADSL('TRT01A'), population_flag: ADSL('SAFFL') },
        options: { excludeArms: [] },
      }),
      where: [{ column: ADSL('SAFFL'), op: 'eq', value: 'Y' }],
    },
    {
      name: 'the flag is ignored when the option is off',
      ctx: context({
        dataset: 'ADSL',
        population: 'ADSL',
        fields: { subject_id: ADSL('USUBJID'), arm: ADSL('TRT01A'), population_flag: ADSL('SAFFL') },
        options: { excludeArms: [], populationFlag: false },
      }),
      where: [],
    },
    {
      name: 'a dashboard filter on AE applies as a semi-join, population filters in WHERE',
      ctx: context({
        fields: { subject_id: DM('USUBJID'), arm: DM('ARM') },
        options: { excludeArms: [] },
        filters: [
          { column: { dataset: 'AE', column: 'AESER' }, op: 'eq', value: 'Y' },
          { column: DM('SEX'), op: 'eq', value: 'F' },
        ],
      }),
      where: [{ column: DM('SEX'), op: 'eq', value: 'F' }],
      exists: [
        {
          dataset: 'AE',
          on: [{ left: DM('USUBJID'), right: 'USUBJID' }],
          where: [{ column: { dataset: 'AE', column: 'AESER' }, op: 'eq', value: 'Y' }],
        },
      ],
    },
  ])('$name', ({ ctx, where, exists }) => {
    const { summary } = demographics.buildQueries(ctx);
    expect(summary?.where).toEqual(where);
    expect(summary?.exists).toEqual(exists ?? []);
    expect(demographics.drillFilters?.(ctx)).toEqual(where.filter((f) => f.column.column === 'SAFFL'));
  });
});

describe('demographics table', () => {
  const summaryColumns = [
    'arm',
    'n',
    'age_n',
    'age_mean',
    'age_sd',
    'age_median',
    'age_min',
    'age_max',
    'age_band_0',
    'age_band_1',
    'age_band_2',
  ];
  const results = {
    summary: result(summaryColumns, [
      ['Placebo', 4, 4, 70.25, 8.2614, 71, 59, 80, 1, 3, 0],
      ['Drug X', 2, 2, 82.5, 3.5355, 82.5, 80, 85, 0, 1, 1],
      [null, 1, 1, 50, null, 50, 50, 50, 1, 0, 0],
    ]),
    total: result(summaryColumns.slice(1), [[7, 7, 72.2857, 11.3767, 72, 50, 85, 2, 4, 1]]),
    sex: result(
      ['arm', 'value', 'n'],
      [
        ['Placebo', 'F', 3],
        ['Placebo', 'M', 1],
        ['Drug X', 'M', 2],
        [null, null, 1],
      ],
    ),
  };

  it('reads as a CSR demographics table: arms by name, n (%) of the arm, Total last', () => {
    const table = demographics.toTable(results, context());
    expect(table.columns.map((c) => [c.name, c.label])).toEqual([
      ['characteristic', 'Characteristic'],
      ['statistic', 'Statistic'],
      ['arm_1', 'Drug X (N=2)'],
      ['arm_2', 'Placebo (N=4)'],
      ['total', 'Total (N=7)'],
    ]);
    expect(table.rows).toEqual([
      ['Subjects', 'n', '2', '4', '7'],
      ['Age (years)', 'n', '2', '4', '7'],
      ['Age (years)', 'Mean (SD)', '82.5 (3.54)', '70.3 (8.26)', '72.3 (11.38)'],
      ['Age (years)', 'Median', '82.5', '71.0', '72.0'],
      ['Age (years)', 'Min – Max', '80 – 85', '59 – 80', '50 – 85'],
      ['Age group (years)', '<65', '0', '1 (25.0%)', '2 (28.6%)'],
      ['Age group (years)', '65–80', '1 (50.0%)', '3 (75.0%)', '4 (57.1%)'],
      ['Age group (years)', '>80', '1 (50.0%)', '0', '1 (14.3%)'],
      ['Sex', 'Female', '0', '3 (75.0%)', '3 (42.9%)'],
      ['Sex', 'Male', '2 (100.0%)', '1 (25.0%)', '3 (42.9%)'],
      ['Sex', '(missing)', '0', '0', '1 (14.3%)'],
    ]);
    expect(table.notes).toEqual(['1 subject without an arm: counted in Total only']);
  });

  it('follows armOrder, drops Total when asked', () => {
    const table = demographics.toTable(
      { summary: results.summary },
      context({
        fields: { subject_id: DM('USUBJID'), arm: DM('ARM') },
        options: { armOrder: ['Placebo'], showTotal: false },
      }),
    );
    expect(table.columns.map((c) => c.label)).toEqual(['Characteristic', 'Statistic', 'Placebo (N=4)', 'Drug X (N=2)']);
    expect(table.rows).toEqual([['Subjects', 'n', '4', '2']]);
    expect(table.notes).toEqual(['1 subject without an arm: left out']);
  });
});
