import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type ScatterOptions, scatterWidget } from './index.ts';

const vs = (column: string): ColumnRef => ({ dataset: 'ADVS', column });
const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });

function ctxOf(options: Partial<ScatterOptions>, fields: Record<string, ColumnRef>): WidgetContext<ScatterOptions> {
  return { options: scatterWidget.options.parse(options), dataset: 'ADVS', population: 'ADSL', fields, filters: [] };
}

const full = { x: adsl('AGE'), y: vs('AVAL'), series: adsl('SEX'), subject_id: vs('USUBJID') };
const points: QueryResult = {
  columns: [
    { name: 'x', type: 'integer' },
    { name: 'y', type: 'number' },
    { name: 'series', type: 'string' },
    { name: 'subject_id', type: 'string' },
  ],
  rows: [
    [54, 71.23456, 'M', 'S1'],
    [61, 80, 'F', 'S2'],
    [70, 64.5, 'M', 'S3'],
  ],
  total: 12_345,
  truncated: true,
};

describe('scatter: queries', () => {
  it.each([
    {
      name: 'points in subject order, both coordinates present, capped with a total',
      ctx: ctxOf({}, full),
      expected: {
        from: 'ADVS',
        joins: [{ dataset: 'ADSL', kind: 'left', on: [{ left: vs('USUBJID'), right: 'USUBJID' }] }],
        exists: [],
        where: [
          { column: adsl('AGE'), op: 'notnull' },
          { column: vs('AVAL'), op: 'notnull' },
        ],
        select: [
          { column: adsl('AGE'), as: 'x' },
          { column: vs('AVAL'), as: 'y' },
          { column: adsl('SEX'), as: 'series' },
          { column: vs('USUBJID'), as: 'subject_id' },
        ],
        orderBy: [
          { key: 'subject_id', dir: 'asc' },
          { key: 'x', dir: 'asc' },
          { key: 'y', dir: 'asc' },
        ],
        limit: 5000,
        withTotal: true,
      },
    },
    {
      name: 'without a subject: ordered by x then y, custom cap',
      ctx: ctxOf({ maxPoints: 1000 }, { x: vs('ADY'), y: vs('AVAL') }),
      expected: expect.objectContaining({
        joins: [],
        select: [
          { column: vs('ADY'), as: 'x' },
          { column: vs('AVAL'), as: 'y' },
        ],
        orderBy: [
          { key: 'x', dir: 'asc' },
          { key: 'y', dir: 'asc' },
        ],
        limit: 1000,
      }),
    },
  ])('$name', ({ ctx, expected }) => {
    expect(scatterWidget.buildQueries(ctx).points).toEqual(expected);
  });
});

describe('scatter: table and chart', () => {
  it('keeps the total and says how many points are shown', () => {
    const table = scatterWidget.toTable({ points }, ctxOf({}, full));
    expect(table.total).toBe(12_345);
    expect(table.notes).toEqual(['3 of 12,345 points are shown (the first subjects by id): filter to see others.']);
    expect(table.columns.map((c) => [c.name, c.label, c.field])).toEqual([
      ['x', 'AGE', undefined],
      ['y', 'AVAL', undefined],
      ['series', 'SEX', 'series'],
      ['subject_id', 'USUBJID', 'subject_id'],
    ]);
  });

  it('no note when every point is shown', () => {
    const table = scatterWidget.toTable({ points: { ...points, total: 3, truncated: false } }, ctxOf({}, full));
    expect(table.notes).toEqual([]);
  });

  it('one series per value; a click on a point carries its subject', () => {
    const ctx = ctxOf({ symbolSize: 8 }, full);
    const chart = scatterWidget.toChartOption?.(scatterWidget.toTable({ points }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'value', scale: true, name: 'AGE' });
    expect(chart.yAxis).toMatchObject({ type: 'value', scale: true, name: 'AVAL' });
    expect(chart.series).toEqual([
      expect.objectContaining({
        name: 'F',
        symbolSize: 8,
        data: [{ value: [61, 80], point: { series: 'F', subject_id: 'S2' } }],
      }),
      expect.objectContaining({
        name: 'M',
        data: [
          { value: [54, 71.23], point: { series: 'M', subject_id: 'S1' } },
          { value: [70, 64.5], point: { series: 'M', subject_id: 'S3' } },
        ],
      }),
    ]);
  });

  it('a date on x makes a time axis', () => {
    const dated: QueryResult = {
      columns: [
        { name: 'x', type: 'date' },
        { name: 'y', type: 'number' },
      ],
      rows: [['2024-01-05', 3]],
      truncated: false,
    };
    const ctx = ctxOf({}, { x: vs('ADT'), y: vs('AVAL') });
    const chart = scatterWidget.toChartOption?.(scatterWidget.toTable({ points: dated }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'time' });
    expect(chart.series).toEqual([
      expect.objectContaining({ name: 'AVAL by ADT', data: [{ value: ['2024-01-05', 3], point: {} }] }),
    ]);
  });
});
