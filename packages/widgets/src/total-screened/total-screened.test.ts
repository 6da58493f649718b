import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { totalScreened } from './index.ts';
import { trendPoints } from './metric.ts';

type Options = typeof totalScreened.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });

function context(
  options: Partial<Options> = {},
  fields: WidgetContext<Options>['fields'] = {},
): WidgetContext<Options> {
  return {
    dataset: 'DM',
    population: 'DM',
    fields: { subject_id: DM('USUBJID'), ...fields },
    filters: [{ column: DM('SITEID'), op: 'eq', value: '101' }],
    options: totalScreened.options.parse(options),
  };
}

const result = (columns: string[], rows: unknown[][]): QueryResult => ({
  columns: columns.map((name) => ({ name, type: 'integer' })),
  rows,
  truncated: false,
});

const base = { from: 'DM', joins: [], where: [{ column: DM('SITEID'), op: 'eq', value: '101' }], exists: [] };
const subjects = { op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' };

describe('total-screened queries', () => {
  it.each([
    { name: 'distinct subjects', ctx: context(), queries: { total: { ...base, measures: [subjects] } } },
    {
      name: 'with a screening date: subjects per month too',
      ctx: context({}, { screening_date: DM('RFICDTC') }),
      queries: {
        total: { ...base, measures: [subjects] },
        trend: {
          ...base,
          groupBy: [{ column: DM('RFICDTC'), as: 'period', bucket: 'month' }],
          measures: [{ ...subjects, as: 'value' }],
        },
      },
    },
    {
      name: 'trend off',
      ctx: context({ trend: 'off' }, { screening_date: DM('RFICDTC') }),
      queries: { total: { ...base, measures: [subjects] } },
    },
  ])('$name', ({ ctx, queries }) => {
    expect(totalScreened.buildQueries(ctx)).toEqual(queries);
  });
});

describe('total-screened table', () => {
  const trend = result(
    ['period', 'value'],
    [
      ['2024-01-01', 3],
      ['2024-03-01', 2],
      [null, 4],
    ],
  );

  it.each([
    {
      name: 'running total by month, gaps filled',
      options: {},
      metric: {
        value: 9,
        format: 'integer',
        trend: [
          { period: '2024-01', value: 3 },
          { period: '2024-02', value: 3 },
          { period: '2024-03', value: 5 },
        ],
      },
    },
    {
      name: 'per month, against a target',
      options: { trend: 'monthly' as const, target: 20 },
      metric: {
        value: 9,
        format: 'integer',
        comparison: { label: 'Target', value: 20 },
        trend: [
          { period: '2024-01', value: 3 },
          { period: '2024-02', value: 0 },
          { period: '2024-03', value: 2 },
        ],
      },
    },
  ])('$name', ({ options, metric }) => {
    const table = totalScreened.toTable({ total: result(['subjects'], [[9]]), trend }, context(options));
    expect(table.metric).toEqual(metric);
    expect(table.rows[0]?.[0]).toBe(9);
  });

  it('has no trend without the query, and none from an empty one', () => {
    expect(totalScreened.toTable({ total: result(['subjects'], [[0]]) }, context()).metric).toEqual({
      value: 0,
      format: 'integer',
    });
    expect(trendPoints(result(['period', 'value'], []), 'monthly')).toEqual([]);
  });
});
