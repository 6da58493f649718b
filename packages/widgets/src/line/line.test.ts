import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { OTHER_COLOR } from '../format.ts';
import { WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';
import { type LineOptions, lineWidget } from './index.ts';

const dm = (column: string): ColumnRef => ({ dataset: 'DM', column });

function ctxOf(options: Partial<LineOptions>, fields: Record<string, ColumnRef>): WidgetContext<LineOptions> {
  return { options: lineWidget.options.parse(options), dataset: 'DM', fields, filters: [] };
}

function result(columns: [string, QueryResult['columns'][number]['type']][], rows: unknown[][]): QueryResult {
  return { columns: columns.map(([name, type]) => ({ name, type })), rows, truncated: false };
}

const enrolment = result(
  [
    ['period', 'date'],
    ['series', 'string'],
    ['value', 'integer'],
  ],
  [
    ['2024-02-01', 'Placebo', 5],
    ['2024-01-01', 'Other', 1],
    ['2024-01-01', 'Placebo', 3],
    ['2024-01-01', 'Drug', 4],
    ['2024-03-01', 'Drug', 6],
  ],
);
const byArm = { date: dm('RFSTDTC'), series: dm('ARM') };

describe('line: queries', () => {
  it.each([
    {
      name: 'by month: undated rows left out, points in time order, at most 10 series',
      ctx: ctxOf({}, byArm),
      expected: {
        from: 'DM',
        joins: [],
        exists: [],
        where: [{ column: dm('RFSTDTC'), op: 'notnull' }],
        groupBy: [
          { column: dm('RFSTDTC'), as: 'period', bucket: 'month' },
          { column: dm('ARM'), as: 'series' },
        ],
        measures: [{ op: 'count', as: 'value' }],
        orderBy: [{ key: 'period', dir: 'asc' }],
        topN: { key: 'series', by: 'value', n: 10, other: 'Other' },
      },
    },
    {
      name: 'by week, every series',
      ctx: ctxOf({ bucket: 'week', maxSeries: null }, byArm),
      expected: expect.not.objectContaining({ topN: expect.anything() }),
    },
    {
      name: 'along a category: missing categories stay, no series, no top N',
      ctx: ctxOf({ measure: 'mean' }, { category: dm('AVISIT'), value: dm('AVAL') }),
      expected: {
        from: 'DM',
        joins: [],
        exists: [],
        where: [],
        groupBy: [{ column: dm('AVISIT'), as: 'category' }],
        measures: [{ op: 'mean', column: dm('AVAL'), as: 'value' }],
        orderBy: [{ key: 'category', dir: 'asc' }],
      },
    },
    {
      name: 'a date wins over a category',
      ctx: ctxOf({ bucket: 'day' }, { date: dm('RFSTDTC'), category: dm('ARM') }),
      expected: expect.objectContaining({ groupBy: [{ column: dm('RFSTDTC'), as: 'period', bucket: 'day' }] }),
    },
  ])('$name', ({ ctx, expected }) => {
    expect(lineWidget.buildQueries(ctx).points).toEqual(expected);
  });

  it('needs Date or Category', () => {
    expect(() => lineWidget.buildQueries(ctxOf({}, { value: dm('AGE') }))).toThrow(WidgetError);
  });
});

describe('line: table', () => {
  it('sorts by time then series ("Other" last); a bucket has no field to filter on', () => {
    const table = lineWidget.toTable({ points: enrolment }, ctxOf({}, byArm));
    expect(table.columns).toEqual([
      { name: 'period', label: 'RFSTDTC (month)', type: 'date' },
      { name: 'series', label: 'ARM', type: 'string', field: 'series' },
      { name: 'value', label: 'Count', type: 'integer' },
    ]);
    expect(table.rows).toEqual([
      ['2024-01-01', 'Drug', 4],
      ['2024-01-01', 'Placebo', 3],
      ['2024-01-01', 'Other', 1],
      ['2024-02-01', 'Placebo', 5],
      ['2024-03-01', 'Drug', 6],
    ]);
  });

  it('cumulative: a running total per series', () => {
    const table = lineWidget.toTable(
      { points: enrolment },
      ctxOf({ cumulative: true, countSubjects: true }, { ...byArm, subject_id: dm('USUBJID') }),
    );
    expect(table.columns.at(-1)).toEqual({ name: 'cumulative', label: 'Cumulative subjects', type: 'integer' });
    expect(table.rows.map((r) => r.at(-1))).toEqual([4, 3, 1, 8, 10]);
  });

  it('along a category: natural order, missing last, the category is a field', () => {
    const points = result(
      [
        ['category', 'string'],
        ['value', 'number'],
      ],
      [
        ['Week 10', 6.2],
        [null, 1],
        ['Week 2', 5.1],
      ],
    );
    const table = lineWidget.toTable(
      { points },
      ctxOf({ measure: 'mean' }, { category: dm('AVISIT'), value: dm('AVAL') }),
    );
    expect(table.columns[0]).toEqual({ name: 'category', label: 'AVISIT', type: 'string', field: 'category' });
    expect(table.rows).toEqual([
      ['Week 2', 5.1],
      ['Week 10', 6.2],
      [null, 1],
    ]);
  });
});

describe('line: chart', () => {
  it('time axis: [date, value] points per series, "Other" grey, series in the point', () => {
    const ctx = ctxOf({}, byArm);
    const chart = lineWidget.toChartOption?.(lineWidget.toTable({ points: enrolment }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'time' });
    expect(chart.yAxis).toMatchObject({ type: 'value', name: 'Count' });
    expect(chart.legend).toMatchObject({ show: true });
    const series = chart.series as Record<string, unknown>[];
    expect(series.map((s) => s.name)).toEqual(['Drug', 'Placebo', 'Other']);
    expect(series[0]).toMatchObject({
      type: 'line',
      showSymbol: true,
      data: [
        { value: ['2024-01-01', 4], point: { series: 'Drug' } },
        { value: ['2024-03-01', 6], point: { series: 'Drug' } },
      ],
    });
    expect(series[2]).toMatchObject({
      lineStyle: { color: OTHER_COLOR },
      itemStyle: { color: OTHER_COLOR },
      data: [{ value: ['2024-01-01', 1], point: null }],
    });
    expect(series[0]?.step).toBeUndefined();
  });

  it('cumulative: draws the running total as steps', () => {
    const ctx = ctxOf({ cumulative: true }, byArm);
    const chart = lineWidget.toChartOption?.(lineWidget.toTable({ points: enrolment }, ctx), ctx.options) ?? {};
    const series = chart.series as Record<string, unknown>[];
    expect(series[0]).toMatchObject({
      step: 'end',
      data: [{ value: ['2024-01-01', 4] }, { value: ['2024-03-01', 10] }],
    });
    expect(chart.yAxis).toMatchObject({ name: 'Cumulative count' });
  });

  it('category axis: values aligned on the categories, gaps as null', () => {
    const points = result(
      [
        ['category', 'string'],
        ['series', 'string'],
        ['value', 'number'],
      ],
      [
        ['Week 2', 'A', 1.23456],
        ['Week 4', 'A', 2],
        ['Week 4', 'B', 3],
      ],
    );
    const ctx = ctxOf({}, { category: dm('AVISIT'), series: dm('ARM') });
    const chart = lineWidget.toChartOption?.(lineWidget.toTable({ points }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ type: 'category', data: ['Week 2', 'Week 4'] });
    expect((chart.series as { data: unknown[] }[]).map((s) => s.data)).toEqual([
      [
        { value: 1.235, point: { category: 'Week 2', series: 'A' } },
        { value: 2, point: { category: 'Week 4', series: 'A' } },
      ],
      [null, { value: 3, point: { category: 'Week 4', series: 'B' } }],
    ]);
  });
});
