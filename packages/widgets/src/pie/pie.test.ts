import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { OTHER_COLOR } from '../format.ts';
import type { WidgetContext } from '../types.ts';
import { type PieOptions, pieWidget } from './index.ts';

const dm = (column: string): ColumnRef => ({ dataset: 'DM', column });

function ctxOf(
  options: Partial<PieOptions>,
  fields: Record<string, ColumnRef> = { category: dm('RACE') },
): WidgetContext<PieOptions> {
  return { options: pieWidget.options.parse(options), dataset: 'DM', fields, filters: [] };
}

const slices: QueryResult = {
  columns: [
    { name: 'category', type: 'string' },
    { name: 'value', type: 'integer' },
  ],
  rows: [
    ['Other', 9],
    ['ASIAN', 20],
    ['WHITE', 200],
    [null, 20],
  ],
  truncated: false,
};

describe('pie: queries', () => {
  it.each([
    {
      name: 'the 8 largest slices and "Other" by default',
      options: {},
      expected: expect.objectContaining({
        groupBy: [{ column: dm('RACE'), as: 'category' }],
        measures: [{ op: 'count', as: 'value' }],
        topN: { key: 'category', by: 'value', n: 8, other: 'Other', keysInOther: 'keys_in_other' },
      }),
    },
    {
      name: 'every slice',
      options: { topN: null },
      expected: expect.not.objectContaining({ topN: expect.anything() }),
    },
  ])('$name', ({ options, expected }) => {
    expect(pieWidget.buildQueries(ctxOf(options)).slices).toEqual(expected);
  });
});

describe('pie: table and chart', () => {
  it('largest first, ties by label (missing last), "Other" last', () => {
    const table = pieWidget.toTable({ slices }, ctxOf({}));
    expect(table.rows).toEqual([
      ['WHITE', 200],
      ['ASIAN', 20],
      [null, 20],
      ['Other', 9],
    ]);
    expect(table.columns[0]).toEqual({ name: 'category', label: 'RACE', type: 'string', field: 'category' });
  });

  it.each([
    {
      name: 'pie with labels',
      options: {},
      radius: [0, '46%'],
      label: { show: true, formatter: '{b}', overflow: 'break' },
      legend: false,
    },
    {
      name: 'donut with a legend',
      options: { donut: true, showLabels: false },
      radius: ['45%', '70%'],
      label: { show: false },
      legend: true,
    },
  ])('$name', ({ options, radius, label, legend }) => {
    const ctx = ctxOf(options);
    const chart = pieWidget.toChartOption?.(pieWidget.toTable({ slices }, ctx), ctx.options) ?? {};
    expect(chart.legend).toMatchObject({ show: legend });
    expect(chart.series).toEqual([
      expect.objectContaining({
        type: 'pie',
        radius,
        label: expect.objectContaining(label),
        data: [
          expect.objectContaining({ name: 'WHITE', value: 200, point: { category: 'WHITE' } }),
          expect.objectContaining({ name: 'ASIAN', value: 20, point: { category: 'ASIAN' } }),
          expect.objectContaining({ name: '(missing)', value: 20, point: { category: null } }),
          expect.objectContaining({ name: 'Other', value: 9, point: null, itemStyle: { color: OTHER_COLOR } }),
        ],
      }),
    ]);
  });

  it('gives every share one decimal, in the labels and the tooltips (249 in all)', () => {
    const ctx = ctxOf({});
    const chart = pieWidget.toChartOption?.(pieWidget.toTable({ slices }, ctx), ctx.options) ?? {};
    const data = (
      chart.series as Array<{ data: Array<{ label?: { formatter: string }; tooltip: { formatter: string } }> }>
    )[0]?.data;
    expect(data?.map((d) => d.label?.formatter)).toEqual([
      'WHITE\n80.3%',
      'ASIAN\n8.0%',
      '(missing)\n8.0%',
      'Other\n3.6%',
    ]);
    expect(data?.map((d) => d.tooltip.formatter)).toEqual([
      'WHITE: 200 (80.3%)',
      'ASIAN: 20 (8.0%)',
      '(missing): 20 (8.0%)',
      'Other: 9 (3.6%)',
    ]);
    expect(data?.map((d) => (d as { share?: string }).share)).toEqual(['80.3%', '8.0%', '8.0%', '3.6%']);
  });

  it('names Other with the number of categories it merges, when the answer says it', () => {
    const ctx = ctxOf({});
    const counted: QueryResult = {
      columns: [...slices.columns, { name: 'keys_in_other', type: 'integer' }],
      rows: slices.rows.map((row) => [...row, row[0] === 'Other' ? 3 : null]),
      truncated: false,
    };
    const table = pieWidget.toTable({ slices: counted }, ctx);
    expect(table.otherCategories).toBe(3);
    // The count is the answer's, not a column of the table.
    expect(table.rows.at(-1)).toEqual(['Other', 9]);
    const chart = pieWidget.toChartOption?.(table, ctx.options) ?? {};
    const other = (chart.series as Array<{ data: Array<{ name: string; point: unknown }> }>)[0]?.data.at(-1);
    expect(other).toMatchObject({ name: 'Other (3 categories)', point: null });
    expect(pieWidget.toTable({ slices }, ctx).otherCategories).toBeUndefined();
  });
});
