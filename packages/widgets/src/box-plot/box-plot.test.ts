import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type BoxPlotOptions, boxPlotWidget } from './index.ts';

const lb = (column: string): ColumnRef => ({ dataset: 'ADLB', column });

function ctxOf(
  options: Partial<BoxPlotOptions>,
  fields: Record<string, ColumnRef> = { value: lb('AVAL'), category: lb('TRTA') },
): WidgetContext<BoxPlotOptions> {
  return { options: boxPlotWidget.options.parse(options), dataset: 'ADLB', fields, filters: [] };
}

const STATS = [
  ['category', 'string'],
  ['n', 'integer'],
  ['min', 'number'],
  ['q1', 'number'],
  ['median', 'number'],
  ['q3', 'number'],
  ['max', 'number'],
  ['mean', 'number'],
] as const;
const boxes: QueryResult = {
  columns: STATS.map(([name, type]) => ({ name, type })),
  rows: [
    ['Placebo', 86, 10, 20, 25, 31, 50, 26.2],
    ['Other', 5, 1, 2, 3, 4, 5, 3],
    ['Drug', 84, 12, 24, 28.5, 35, 61, 29.94444],
    ['Empty', 0, null, null, null, null, null, null],
  ],
  truncated: false,
};

describe('box plot: queries', () => {
  const measures = [
    { op: 'count', column: lb('AVAL'), as: 'n' },
    { op: 'min', column: lb('AVAL'), as: 'min' },
    { op: 'percentile', column: lb('AVAL'), p: 0.25, as: 'q1' },
    { op: 'median', column: lb('AVAL'), as: 'median' },
    { op: 'percentile', column: lb('AVAL'), p: 0.75, as: 'q3' },
    { op: 'max', column: lb('AVAL'), as: 'max' },
    { op: 'mean', column: lb('AVAL'), as: 'mean' },
  ];
  it.each([
    {
      name: 'five numbers, n and mean per category; the 30 largest categories',
      ctx: ctxOf({}),
      expected: {
        from: 'ADLB',
        joins: [],
        exists: [],
        where: [{ column: lb('AVAL'), op: 'notnull' }],
        groupBy: [{ column: lb('TRTA'), as: 'category' }],
        measures,
        topN: { key: 'category', by: 'n', n: 30, other: 'Other' },
      },
    },
    {
      name: 'one box for all rows without a category',
      ctx: ctxOf({}, { value: lb('AVAL') }),
      expected: {
        from: 'ADLB',
        joins: [],
        exists: [],
        where: [{ column: lb('AVAL'), op: 'notnull' }],
        groupBy: [],
        measures,
      },
    },
  ])('$name', ({ ctx, expected }) => {
    expect(boxPlotWidget.buildQueries(ctx).boxes).toEqual(expected);
  });
});

describe('box plot: table', () => {
  it.each([
    { sort: 'label' as const, order: ['Drug', 'Placebo', 'Other'] },
    { sort: 'median-asc' as const, order: ['Placebo', 'Drug', 'Other'] },
    { sort: 'median-desc' as const, order: ['Drug', 'Placebo', 'Other'] },
  ])('sorted by $sort, "Other" last, empty boxes dropped', ({ sort, order }) => {
    const table = boxPlotWidget.toTable({ boxes }, ctxOf({ sort }));
    expect(table.rows.map((r) => r[0])).toEqual(order);
  });

  it('has one column per statistic', () => {
    const table = boxPlotWidget.toTable({ boxes }, ctxOf({}));
    expect(table.columns).toEqual([
      { name: 'category', label: 'TRTA', type: 'string', field: 'category' },
      { name: 'n', label: 'n', type: 'integer' },
      { name: 'min', label: 'Minimum', type: 'number' },
      { name: 'q1', label: 'Q1', type: 'number' },
      { name: 'median', label: 'Median', type: 'number' },
      { name: 'q3', label: 'Q3', type: 'number' },
      { name: 'max', label: 'Maximum', type: 'number' },
      { name: 'mean', label: 'Mean', type: 'number' },
    ]);
    expect(table.rows[0]).toEqual(['Drug', 84, 12, 24, 28.5, 35, 61, 29.94444]);
    expect(table.notes?.[0]).toMatch(/whiskers reach the minimum and the maximum/);
  });
});

describe('box plot: chart', () => {
  it('vertical: boxes and mean diamonds on the same categories, n under each label', () => {
    const ctx = ctxOf({});
    const chart = boxPlotWidget.toChartOption?.(boxPlotWidget.toTable({ boxes }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'category', data: ['Drug\nn=84', 'Placebo\nn=86', 'Other\nn=5'] });
    expect(chart.yAxis).toMatchObject({ type: 'value', scale: true });
    const [box, mean] = chart.series as Record<string, unknown>[];
    expect(box).toMatchObject({
      type: 'boxplot',
      data: [
        { value: [12, 24, 28.5, 35, 61], point: { category: 'Drug' } },
        { value: [10, 20, 25, 31, 50], point: { category: 'Placebo' } },
        { value: [1, 2, 3, 4, 5], point: null },
      ],
    });
    expect(mean).toMatchObject({
      type: 'scatter',
      symbol: 'diamond',
      data: [{ value: ['Drug\nn=84', 29.94] }, { value: ['Placebo\nn=86', 26.2] }, { value: ['Other\nn=5', 3] }],
    });
  });

  it('horizontal, without n or mean', () => {
    const ctx = ctxOf({ orientation: 'horizontal', showN: false, showMean: false });
    const chart = boxPlotWidget.toChartOption?.(boxPlotWidget.toTable({ boxes }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'value' });
    expect(chart.yAxis).toMatchObject({ type: 'category', inverse: true, data: ['Drug', 'Placebo', 'Other'] });
    expect(chart.series).toHaveLength(1);
  });
});
