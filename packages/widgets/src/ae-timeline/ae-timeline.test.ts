import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { aeTimeline } from './index.ts';
import { bySeverity } from './severity.ts';

type Options = typeof aeTimeline.defaultOptions;
const AE = (column: string) => ({ dataset: 'AE', column });

function context(
  options: Partial<Options> = {},
  fields: WidgetContext<Options>['fields'] = {},
): WidgetContext<Options> {
  return {
    dataset: 'AE',
    population: 'DM',
    fields: {
      subject_id: AE('USUBJID'),
      ae_start_date: AE('AESTDTC'),
      ae_severity: AE('AESEV'),
      ae_serious: AE('AESER'),
      ...fields,
    },
    filters: [],
    options: aeTimeline.options.parse(options),
  };
}

describe('ae-timeline queries', () => {
  it.each([
    {
      options: {},
      groupBy: [
        { column: AE('AESTDTC'), as: 'period', bucket: 'month' },
        { column: AE('AESEV'), as: 'stack' },
      ],
    },
    {
      options: { stackBy: 'serious' as const, bucket: 'week' as const },
      groupBy: [
        { column: AE('AESTDTC'), as: 'period', bucket: 'week' },
        { column: AE('AESER'), as: 'stack' },
      ],
    },
    { options: { stackBy: 'none' as const }, groupBy: [{ column: AE('AESTDTC'), as: 'period', bucket: 'month' }] },
  ])('stacked by $options.stackBy', ({ options, groupBy }) => {
    expect(aeTimeline.buildQueries(context(options))).toEqual({
      onsets: {
        from: 'AE',
        joins: [],
        where: [],
        exists: [],
        groupBy,
        measures: [
          { op: 'count', as: 'events' },
          { op: 'count_distinct', column: AE('USUBJID'), as: 'subjects' },
        ],
      },
    });
  });

  it('keeps treatment-emergent events when the flag is mapped', () => {
    const ctx = context({}, { ae_treatment_emergent: AE('TRTEMFL') });
    expect(aeTimeline.buildQueries(ctx).onsets?.where).toEqual([{ column: AE('TRTEMFL'), op: 'eq', value: 'Y' }]);
    expect(aeTimeline.drillFilters?.(ctx)).toEqual([{ column: AE('TRTEMFL'), op: 'eq', value: 'Y' }]);
  });

  it('orders severities mild to fatal, unknown grades after', () => {
    expect(['SEVERE', 'Unknown', 'MILD', 'FATAL', 'MODERATE'].sort(bySeverity)).toEqual([
      'MILD',
      'MODERATE',
      'SEVERE',
      'FATAL',
      'Unknown',
    ]);
  });
});

describe('ae-timeline table and chart', () => {
  const onsets: QueryResult = {
    columns: [
      { name: 'period', type: 'date' },
      { name: 'stack', type: 'string' },
      { name: 'events', type: 'integer' },
      { name: 'subjects', type: 'integer' },
    ],
    rows: [
      ['2024-03-01', 'SEVERE', 1, 1],
      ['2024-01-01', 'MODERATE', 2, 2],
      ['2024-01-01', 'MILD', 5, 4],
      ['2024-03-01', 'MILD', 3, 3],
      [null, 'MILD', 2, 2],
    ],
    truncated: false,
  };

  it('one row per period and severity, mild first; undated events in a note', () => {
    const table = aeTimeline.toTable({ onsets }, context());
    expect(table.columns.map((c) => [c.name, c.field ?? null])).toEqual([
      ['period', null],
      ['stack', 'ae_severity'],
      ['events', null],
      ['subjects', null],
    ]);
    expect(table.rows).toEqual([
      ['2024-01-01', 'MILD', 5, 4],
      ['2024-01-01', 'MODERATE', 2, 2],
      ['2024-03-01', 'MILD', 3, 3],
      ['2024-03-01', 'SEVERE', 1, 1],
    ]);
    expect(table.notes).toEqual(['2 events have an incomplete start date and are left out']);
  });

  it('stacks bars by severity with fixed colours, empty months as zero, as plain JSON', () => {
    const options = aeTimeline.options.parse({});
    const chart = aeTimeline.toChartOption?.(aeTimeline.toTable({ onsets }, context()), options) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart.xAxis).toMatchObject({ data: ['2024-01', '2024-02', '2024-03'] });
    expect(chart.series).toMatchObject([
      { name: 'MILD', type: 'bar', stack: 'onsets', data: [5, 0, 3], itemStyle: { color: '#91cc75' } },
      { name: 'MODERATE', data: [2, 0, 0], itemStyle: { color: '#fac858' } },
      { name: 'SEVERE', data: [0, 0, 1], itemStyle: { color: '#ee6666' } },
    ]);
  });

  it('names seriousness in words and counts subjects when asked', () => {
    const serious: QueryResult = {
      ...onsets,
      rows: [
        ['2024-01-01', 'Y', 2, 1],
        ['2024-01-01', 'N', 6, 5],
      ],
    };
    const options = aeTimeline.options.parse({ stackBy: 'serious', measure: 'subjects' });
    const chart = aeTimeline.toChartOption?.(aeTimeline.toTable({ onsets: serious }, context(options)), options) ?? {};
    expect(chart.series).toMatchObject([
      { name: 'Not serious', data: [5] },
      { name: 'Serious', data: [1] },
    ]);
    expect(chart.yAxis).toMatchObject({ name: 'Subjects' });
  });
});
