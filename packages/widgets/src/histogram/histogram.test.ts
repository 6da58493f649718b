import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { binIndex, decimalsOf, edgesOf, niceWidth } from './bins.ts';
import { type HistogramOptions, histogramWidget } from './index.ts';

const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });

function ctxOf(
  options: Partial<HistogramOptions>,
  fields: Record<string, ColumnRef> = { value: adsl('AGE') },
): WidgetContext<HistogramOptions> {
  return { options: histogramWidget.options.parse(options), dataset: 'ADSL', fields, filters: [] };
}

function result(
  columns: [string, QueryResult['columns'][number]['type']][],
  rows: unknown[][],
  truncated = false,
): QueryResult {
  return { columns: columns.map(([name, type]) => ({ name, type })), rows, truncated };
}

describe('histogram: bins', () => {
  it.each([
    { min: 18, max: 85, bins: 20, integers: true, width: 5 },
    { min: 40, max: 79, bins: 20, integers: true, width: 2 },
    { min: 0.1, max: 2.9, bins: 20, integers: false, width: 0.2 },
    { min: 0, max: 22, bins: 10, integers: false, width: 2.5 },
    { min: 0, max: 22, bins: 10, integers: true, width: 5 },
    { min: 3, max: 5, bins: 20, integers: true, width: 1 },
    { min: 7, max: 7, bins: 20, integers: true, width: 1 },
    { min: 1200, max: 98_000, bins: 20, integers: true, width: 5000 },
  ])('a round width for [$min, $max] in about $bins bins: $width', ({ min, max, bins, integers, width }) => {
    expect(niceWidth(min, max, bins, integers)).toBe(width);
  });

  it.each([
    { value: 0.3, width: 0.1, index: 3 },
    { value: 0.29, width: 0.1, index: 2 },
    { value: -0.5, width: 1, index: -1 },
    { value: 45, width: 5, index: 9 },
  ])('$value falls in bin $index of width $width', ({ value, width, index }) => {
    expect(binIndex(value, width)).toBe(index);
  });

  it.each([
    { width: 5, decimals: 0, edges: [45, 50] },
    { width: 0.25, decimals: 2, edges: [2.25, 2.5] },
    { width: 0.1, decimals: 1, edges: [0.9, 1] },
  ])('width $width writes $decimals decimals', ({ width, decimals, edges }) => {
    expect(decimalsOf(width)).toBe(decimals);
    expect(edgesOf(9, width)).toEqual(edges);
  });
});

describe('histogram: queries', () => {
  it.each([
    {
      name: 'with a bin width, the engine bins',
      ctx: ctxOf({ binWidth: 5 }),
      expected: {
        from: 'ADSL',
        joins: [],
        exists: [],
        where: [{ column: adsl('AGE'), op: 'notnull' }],
        groupBy: [{ column: adsl('AGE'), as: 'bin', binWidth: 5 }],
        measures: [{ op: 'count', as: 'count' }],
        orderBy: [{ key: 'bin', dir: 'asc' }],
      },
    },
    {
      name: 'without one, distinct values are counted (per series)',
      ctx: ctxOf({}, { value: adsl('AGE'), series: adsl('SEX') }),
      expected: expect.objectContaining({
        groupBy: [
          { column: adsl('AGE'), as: 'value' },
          { column: adsl('SEX'), as: 'series' },
        ],
        orderBy: [{ key: 'value', dir: 'asc' }],
      }),
    },
  ])('$name', ({ ctx, expected }) => {
    expect(histogramWidget.buildQueries(ctx).bins).toEqual(expected);
  });
});

describe('histogram: table', () => {
  it('bins of the chosen width, empty bins filled in', () => {
    const bins = result(
      [
        ['bin', 'number'],
        ['count', 'integer'],
      ],
      [
        [0.30000000000000004, 2],
        [0.5, 1],
      ],
    );
    const table = histogramWidget.toTable({ bins }, ctxOf({ binWidth: 0.1 }));
    expect(table.columns).toEqual([
      { name: 'bin_start', label: 'AGE', type: 'number' },
      { name: 'bin_end', label: 'Up to (excluded)', type: 'number' },
      { name: 'count', label: 'Rows', type: 'integer' },
    ]);
    expect(table.rows).toEqual([
      [0.3, 0.4, 2],
      [0.4, 0.5, 0],
      [0.5, 0.6, 1],
    ]);
    expect(table.notes).toEqual([]);
  });

  it('round bins cut here from distinct values, per series', () => {
    const bins = result(
      [
        ['value', 'integer'],
        ['series', 'string'],
        ['count', 'integer'],
      ],
      [
        [20, 'F', 1],
        [21, 'F', 2],
        [21, 'M', 1],
        [29, 'M', 4],
      ],
    );
    const table = histogramWidget.toTable({ bins }, ctxOf({ bins: 5 }, { value: adsl('AGE'), series: adsl('SEX') }));
    expect(table.columns.map((c) => [c.name, c.field])).toEqual([
      ['bin_start', undefined],
      ['bin_end', undefined],
      ['series', 'series'],
      ['count', undefined],
    ]);
    expect(table.rows).toEqual([
      [20, 22, 'F', 3],
      [20, 22, 'M', 1],
      [22, 24, 'F', 0],
      [22, 24, 'M', 0],
      [24, 26, 'F', 0],
      [24, 26, 'M', 0],
      [26, 28, 'F', 0],
      [26, 28, 'M', 0],
      [28, 30, 'F', 0],
      [28, 30, 'M', 4],
    ]);
    expect(table.notes).toEqual(['Bins of 2: set a bin width to change them.']);
  });

  it('too many distinct values for automatic bins: nothing drawn, says what to do', () => {
    const bins = result(
      [
        ['value', 'number'],
        ['count', 'integer'],
      ],
      [[1, 1]],
      true,
    );
    const table = histogramWidget.toTable({ bins }, ctxOf({}));
    expect(table.rows).toEqual([]);
    expect(table.notes).toEqual([
      'This column has more than 10,000 distinct values: set a bin width to draw its histogram.',
    ]);
  });

  it('a bin width far too small: only the bins with rows, and a note', () => {
    const bins = result(
      [
        ['bin', 'number'],
        ['count', 'integer'],
      ],
      [
        [0, 1],
        [1000, 2],
      ],
    );
    const table = histogramWidget.toTable({ bins }, ctxOf({ binWidth: 1 }));
    expect(table.rows).toEqual([
      [0, 1, 1],
      [1000, 1001, 2],
    ]);
    expect(table.notes?.[0]).toMatch(/More than 500 bins/);
  });
});

describe('histogram: chart', () => {
  it('stacked bars over "low–high" labels', () => {
    const bins = result(
      [
        ['bin', 'number'],
        ['series', 'string'],
        ['count', 'integer'],
      ],
      [
        [40, 'A', 3],
        [45, 'B', 2],
      ],
    );
    const ctx = ctxOf({ binWidth: 5 }, { value: adsl('AGE'), series: adsl('ARM') });
    const chart = histogramWidget.toChartOption?.(histogramWidget.toTable({ bins }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'category', data: ['40–45', '45–50'], name: 'AGE' });
    expect(chart.series).toEqual([
      expect.objectContaining({
        name: 'A',
        stack: 'bins',
        data: [
          { value: 3, point: { series: 'A' } },
          { value: 0, point: { series: 'A' } },
        ],
      }),
      expect.objectContaining({
        name: 'B',
        stack: 'bins',
        data: [
          { value: 0, point: { series: 'B' } },
          { value: 2, point: { series: 'B' } },
        ],
      }),
    ]);
  });
});
