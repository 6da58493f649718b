import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { enrollmentTrend } from './index.ts';
import { nextPeriod, periodLabel, periodRange, truncate } from './periods.ts';

type Options = typeof enrollmentTrend.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });

function context(options: Partial<Options> = {}, study?: WidgetContext<Options>['study']): WidgetContext<Options> {
  return {
    ...(study ? { study } : {}),
    dataset: 'DM',
    population: 'DM',
    fields: { subject_id: DM('USUBJID'), enrollment_date: DM('RFSTDTC') },
    filters: [],
    options: enrollmentTrend.options.parse(options),
  };
}

describe('periods', () => {
  it.each([
    { day: '2024-05-17', bucket: 'day', start: '2024-05-17', next: '2024-05-18', label: '2024-05-17' },
    { day: '2024-05-17', bucket: 'week', start: '2024-05-13', next: '2024-05-20', label: '2024-05-13' },
    { day: '2024-05-17', bucket: 'month', start: '2024-05-01', next: '2024-06-01', label: '2024-05' },
    { day: '2024-05-17', bucket: 'quarter', start: '2024-04-01', next: '2024-07-01', label: '2024-Q2' },
    { day: '2024-05-17', bucket: 'year', start: '2024-01-01', next: '2025-01-01', label: '2024' },
    { day: '2024-01-31', bucket: 'month', start: '2024-01-01', next: '2024-02-01', label: '2024-01' },
  ] as const)('$day by $bucket', ({ day, bucket, start, next, label }) => {
    expect(truncate(day, bucket)).toBe(start);
    expect(nextPeriod(start, bucket)).toBe(next);
    expect(periodLabel(start, bucket)).toBe(label);
  });

  it('fills every period between the first and last', () => {
    expect(periodRange('2023-11-20', '2024-02-01', 'month')).toEqual([
      '2023-11-01',
      '2023-12-01',
      '2024-01-01',
      '2024-02-01',
    ]);
  });
});

describe('enrollment-trend queries', () => {
  it('subjects by month of the enrollment date, subjects without one left out', () => {
    expect(enrollmentTrend.buildQueries(context({ bucket: 'quarter' }))).toEqual({
      enrolled: {
        from: 'DM',
        joins: [],
        where: [{ column: DM('RFSTDTC'), op: 'notnull' }],
        exists: [],
        groupBy: [{ column: DM('RFSTDTC'), as: 'period', bucket: 'quarter' }],
        measures: [{ op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' }],
      },
    });
    expect(enrollmentTrend.drillFilters?.(context())).toEqual([{ column: DM('RFSTDTC'), op: 'notnull' }]);
  });
});

describe('enrollment-trend table and chart', () => {
  const enrolled: QueryResult = {
    columns: [
      { name: 'period', type: 'date' },
      { name: 'subjects', type: 'integer' },
    ],
    rows: [
      ['2024-01-01', 4],
      ['2024-03-01', 6],
      [null, 2],
    ],
    truncated: false,
  };

  it.each([
    {
      name: 'cumulative with empty months filled',
      options: {},
      rows: [
        ['2024-01-01', 4, 4],
        ['2024-02-01', 0, 4],
        ['2024-03-01', 6, 10],
      ],
    },
    {
      name: 'a linear plan over the whole planned period; actuals stop at the last enrollment',
      options: { plannedTotal: 30, plannedStart: '2024-01', plannedEnd: '2024-06-30' },
      rows: [
        // 30 subjects over the 181 days to June 30th, read at each month's end
        ['2024-01-01', 4, 4, 5.1],
        ['2024-02-01', 0, 4, 9.9],
        ['2024-03-01', 6, 10, 15.1],
        ['2024-04-01', null, null, 20.1],
        ['2024-05-01', null, null, 25.2],
        ['2024-06-01', null, null, 30],
      ],
    },
  ])('$name', ({ options, rows }) => {
    const table = enrollmentTrend.toTable({ enrolled }, context(options));
    expect(table.rows).toEqual(rows);
    expect(table.notes?.[0]).toBe('2 subjects have an incomplete enrollment date and are left out');
  });

  it('says it shows actual enrollment only when neither the study nor the widget sets a plan', () => {
    const table = enrollmentTrend.toTable({ enrolled }, context());
    expect(table.columns.map((c) => c.name)).not.toContain('planned');
    expect(table.notes).toContainEqual(
      expect.stringMatching(/^Actual enrollment only: the study has no enrollment plan/),
    );
    const chart = enrollmentTrend.toChartOption?.(table, enrollmentTrend.options.parse({})) ?? {};
    const names = (chart.series as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(['Enrolled', 'New per month']);
  });

  it("draws the study's plan: the target reached linearly from its start day to its end day", () => {
    const plan = { total: 300, start: '2024-01-15', end: '2024-06-30' };
    const table = enrollmentTrend.toTable({ enrolled }, context({}, { enrollmentPlan: plan }));
    // Reference, by day counts: the plan at a month's end is total × days since the start ÷ days
    // of the plan, capped at the total, rounded to one decimal.
    const dayNo = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;
    const start = dayNo(2024, 1, 15);
    const length = dayNo(2024, 6, 30) - start; // 167 days
    const at = (y: number, m: number) =>
      Math.round(Math.min(1, Math.max(0, (dayNo(y, m, 1) - start) / length)) * 300 * 10) / 10;
    const expected = [
      ['2024-01-01', at(2024, 2)], // 17 days: 30.5
      ['2024-02-01', at(2024, 3)],
      ['2024-03-01', at(2024, 4)],
      ['2024-04-01', at(2024, 5)],
      ['2024-05-01', at(2024, 6)],
      ['2024-06-01', at(2024, 7)], // past the end: the whole target
    ];
    expect(table.rows.map((r) => [r[0], r[3]])).toEqual(expected);
    expect(expected[0]?.[1]).toBe(30.5);
    expect(expected.at(-1)?.[1]).toBe(300);
    expect(table.notes).toEqual(['2 subjects have an incomplete enrollment date and are left out']);
    const chart = enrollmentTrend.toChartOption?.(table, enrollmentTrend.options.parse({})) ?? {};
    expect(chart.series).toMatchObject([
      { name: 'Enrolled', data: [4, 4, 10, null, null, null] },
      { name: 'Planned', data: expected.map((e) => e[1]) },
      { name: 'New per month' },
    ]);
  });

  it("prefers a plan set in the widget's options over the study's", () => {
    const table = enrollmentTrend.toTable(
      { enrolled },
      context(
        { plannedTotal: 30, plannedStart: '2024-01', plannedEnd: '2024-03-31' },
        { enrollmentPlan: { total: 300, start: '2023-01-01', end: '2025-01-01' } },
      ),
    );
    expect(table.rows.map((r) => r[3])).toEqual([10.3, 20, 30]);
  });

  it('draws actual, plan and new per month as plain JSON', () => {
    const options = enrollmentTrend.options.parse({
      plannedTotal: 30,
      plannedStart: '2024-01',
      plannedEnd: '2024-03-31',
    });
    const table = enrollmentTrend.toTable({ enrolled }, context(options));
    const chart = enrollmentTrend.toChartOption?.(table, options) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart.xAxis).toMatchObject({ type: 'category', data: ['2024-01', '2024-02', '2024-03'] });
    expect(chart.series).toMatchObject([
      { name: 'Enrolled', type: 'line', data: [4, 4, 10] },
      { name: 'Planned', type: 'line', data: [10.3, 20, 30], lineStyle: { type: 'dashed' } },
      { name: 'New per month', type: 'bar', yAxisIndex: 1, data: [4, 0, 6] },
    ]);
  });

  it('leaves the plan out when it is incomplete', () => {
    const options = enrollmentTrend.options.parse({ plannedTotal: 30, showNew: false });
    const table = enrollmentTrend.toTable({ enrolled }, context(options));
    expect(table.columns.map((c) => c.name)).toEqual(['period', 'enrolled', 'cumulative']);
    const chart = enrollmentTrend.toChartOption?.(table, options) ?? {};
    expect(chart.series).toHaveLength(1);
  });
});
