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
  ['whisker_low', 'number'],
  ['q1', 'number'],
  ['median', 'number'],
  ['q3', 'number'],
  ['whisker_high', 'number'],
  ['max', 'number'],
  ['mean', 'number'],
  ['outliers', 'string'],
] as const;
const boxes: QueryResult = {
  columns: STATS.map(([name, type]) => ({ name, type })),
  rows: [
    ['Placebo', 86, 10, 10, 20, 25, 31, 45, 50, 26.2, '50.0'],
    ['Other', 5, 1, 1, 2, 3, 4, 5, 5, 3, null],
    ['Drug', 84, 12, 12, 24, 28.5, 35, 51, 61, 29.94444, '55.5, 61.0'],
    ['Empty', 0, null, null, null, null, null, null, null, null, null],
  ],
  truncated: false,
};

describe('box plot: queries', () => {
  const measures = [
    { op: 'count', column: lb('AVAL'), as: 'n' },
    { op: 'min', column: lb('AVAL'), as: 'min' },
    { op: 'whisker_low', column: lb('AVAL'), as: 'whisker_low' },
    { op: 'percentile', column: lb('AVAL'), p: 0.25, as: 'q1' },
    { op: 'median', column: lb('AVAL'), as: 'median' },
    { op: 'percentile', column: lb('AVAL'), p: 0.75, as: 'q3' },
    { op: 'whisker_high', column: lb('AVAL'), as: 'whisker_high' },
    { op: 'max', column: lb('AVAL'), as: 'max' },
    { op: 'mean', column: lb('AVAL'), as: 'mean' },
    { op: 'outliers', column: lb('AVAL'), as: 'outliers' },
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
      { name: 'whisker_low', label: 'Lower whisker', type: 'number' },
      { name: 'q1', label: 'Q1', type: 'number' },
      { name: 'median', label: 'Median', type: 'number' },
      { name: 'q3', label: 'Q3', type: 'number' },
      { name: 'whisker_high', label: 'Upper whisker', type: 'number' },
      { name: 'max', label: 'Maximum', type: 'number' },
      { name: 'mean', label: 'Mean', type: 'number' },
      { name: 'outliers', label: 'Outliers', type: 'string' },
    ]);
    expect(table.rows[0]).toEqual(['Drug', 84, 12, 12, 24, 28.5, 35, 51, 61, 29.94444, '55.5, 61.0']);
    expect(table.notes?.[0]).toMatch(/1\.5 × IQR of the box \(Tukey\)/);
  });

  it('orders categories by the category order column (VISITNUM), not by label', () => {
    const visits: QueryResult = {
      columns: [...STATS.map(([name, type]) => ({ name, type })), { name: 'category_order', type: 'number' }],
      rows: [
        ['DAY 1', 3, 1, 1, 1, 2, 3, 3, 3, 2, null, 2],
        ['FOLLOW-UP', 3, 1, 1, 1, 2, 3, 3, 3, 2, null, 99],
        ['SCREENING', 3, 1, 1, 1, 2, 3, 3, 3, 2, null, 1],
        ['WEEK 2', 3, 1, 1, 1, 2, 3, 3, 3, 2, null, 4],
      ],
      truncated: false,
    };
    const ctx = ctxOf({}, { value: lb('AVAL'), category: lb('AVISIT'), category_order: lb('AVISITN') });
    expect(boxPlotWidget.buildQueries(ctx).boxes?.measures?.at(-1)).toEqual({
      op: 'min',
      column: lb('AVISITN'),
      as: 'category_order',
    });
    const table = boxPlotWidget.toTable({ boxes: visits }, ctx);
    expect(table.rows.map((r) => r[0])).toEqual(['SCREENING', 'DAY 1', 'WEEK 2', 'FOLLOW-UP']);
  });
});

describe('box plot: chart', () => {
  it('vertical: boxes and mean diamonds on the same categories, n under each label', () => {
    const ctx = ctxOf({});
    const chart = boxPlotWidget.toChartOption?.(boxPlotWidget.toTable({ boxes }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'category', data: ['Drug\nn=84', 'Placebo\nn=86', 'Other\nn=5'] });
    expect(chart.yAxis).toMatchObject({ type: 'value', scale: true });
    const [box, outliers, mean] = chart.series as Record<string, unknown>[];
    // Whiskers end at the Tukey whiskers, not at the minimum and maximum; outliers are points.
    expect(box).toMatchObject({
      type: 'boxplot',
      data: [
        { value: [12, 24, 28.5, 35, 51], point: { category: 'Drug' } },
        { value: [10, 20, 25, 31, 45], point: { category: 'Placebo' } },
        { value: [1, 2, 3, 4, 5], point: null },
      ],
    });
    expect(outliers).toMatchObject({
      type: 'scatter',
      name: 'Outliers',
      data: [
        { value: ['Drug\nn=84', 55.5], point: { category: 'Drug' } },
        { value: ['Drug\nn=84', 61], point: { category: 'Drug' } },
        { value: ['Placebo\nn=86', 50], point: { category: 'Placebo' } },
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
    expect((chart.series as Array<{ name: string }>).map((s) => s.name)).toEqual(['Distribution', 'Outliers']);
    // The tooltip shows the value, which is the first dimension when the boxes lie down.
    expect((chart.series as Record<string, unknown>[])[1]?.encode).toEqual({ x: 0, y: 1, tooltip: 0 });
  });

  it('draws one point per distinct outlier value, its count in its name and tooltip; the table keeps every value', () => {
    // ALT-like: many subjects share a value. 3 × 52, 2 × 61, 1 × 75.5 in one box; 1 × 40 in another.
    const repeated: QueryResult = {
      ...boxes,
      rows: [
        ['Placebo', 86, 10, 10, 20, 25, 31, 45, 75.5, 26.2, '52.0, 61.0, 52.0, 75.5, 52.0, 61.0'],
        ['Drug', 84, 12, 12, 24, 28.5, 35, 39, 40, 29.9, '40.0'],
      ],
    };
    const ctx = ctxOf({});
    const table = boxPlotWidget.toTable({ boxes: repeated }, ctx);
    expect(table.rows.map((r) => r.at(-1))).toEqual(['40.0', '52.0, 61.0, 52.0, 75.5, 52.0, 61.0']);
    const chart = boxPlotWidget.toChartOption?.(table, ctx.options) ?? {};
    const outliers = (chart.series as Record<string, unknown>[]).find((s) => s.name === 'Outliers');
    expect(outliers?.encode).toEqual({ x: 0, y: 1, tooltip: 1 });
    expect(outliers?.data).toEqual([
      { value: ['Drug\nn=84', 40], name: 'Drug', count: 1, point: { category: 'Drug' } },
      {
        value: ['Placebo\nn=86', 52],
        name: 'Placebo: 3 outliers at this value',
        count: 3,
        point: { category: 'Placebo' },
      },
      {
        value: ['Placebo\nn=86', 61],
        name: 'Placebo: 2 outliers at this value',
        count: 2,
        point: { category: 'Placebo' },
      },
      { value: ['Placebo\nn=86', 75.5], name: 'Placebo', count: 1, point: { category: 'Placebo' } },
    ]);
  });

  it('on many repeated values: points = distinct (category, value) pairs, counts sum to the outliers', () => {
    // A deterministic spread of 2,600 outliers over 26 visits, values on a 0.5 grid (many repeats).
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows = Array.from({ length: 26 }, (_, visit) => {
      const values = Array.from({ length: 100 }, () => (80 + Math.floor(next() * 120) / 2).toFixed(1));
      return [`VISIT ${visit + 1}`, 1000, 5, 5, 20, 25, 31, 45, 200, 26, values.join(', ')];
    });
    const ctx = ctxOf({ maxGroups: null });
    const table = boxPlotWidget.toTable({ boxes: { ...boxes, rows } }, ctx);
    const chart = boxPlotWidget.toChartOption?.(table, ctx.options) ?? {};
    const data = ((chart.series as Record<string, unknown>[]).find((s) => s.name === 'Outliers')?.data ?? []) as {
      value: [string, number];
      count: number;
      name: string;
    }[];
    // Reference, written apart: the distinct (visit, value) pairs and their multiplicities.
    const expected = new Map<string, number>();
    for (const row of rows)
      for (const v of String(row[10]).split(', ')) {
        const key = `${row[0]}|${Number(v)}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    expect(data.length).toBe(expected.size);
    expect(data.length).toBeLessThan(2600);
    expect(data.reduce((sum, p) => sum + p.count, 0)).toBe(2600);
    for (const p of data) {
      const visit = p.value[0].split('\n')[0];
      expect(p.count).toBe(expected.get(`${visit}|${p.value[1]}`));
      expect(p.name).toBe(p.count > 1 ? `${visit}: ${p.count} outliers at this value` : visit);
    }
  });
});
