import type { ColumnRef, QueryFilter, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { OTHER_COLOR } from '../format.ts';
import type { WidgetContext, WidgetTable } from '../types.ts';
import { type BarOptions, barWidget } from './index.ts';

const ae = (column: string): ColumnRef => ({ dataset: 'ADAE', column });
const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });

function ctxOf(
  options: Partial<BarOptions>,
  fields: Record<string, ColumnRef> = { category: ae('AESOC') },
  filters: QueryFilter[] = [],
): WidgetContext<BarOptions> {
  return { options: barWidget.options.parse(options), dataset: 'ADAE', population: 'ADSL', fields, filters };
}

function result(
  columns: [string, QueryResult['columns'][number]['type']][],
  rows: unknown[][],
  truncated = false,
): QueryResult {
  return { columns: columns.map(([name, type]) => ({ name, type })), rows, truncated };
}

const bySoc = result(
  [
    ['category', 'string'],
    ['value', 'integer'],
  ],
  [
    ['Cardiac', 4],
    ['Other', 30],
    ['Infections', 12],
    [null, 2],
    ['Gastro', 12],
  ],
);

const byArmAndSex = result(
  [
    ['category', 'string'],
    ['series', 'string'],
    ['value', 'integer'],
  ],
  [
    ['Placebo', 'M', 10],
    ['Placebo', 'F', 12],
    ['Drug', 'F', 30],
  ],
);

describe('bar: queries', () => {
  it.each([
    {
      name: 'rows per category',
      ctx: ctxOf({}),
      expected: {
        from: 'ADAE',
        joins: [],
        where: [],
        exists: [],
        groupBy: [{ column: ae('AESOC'), as: 'category' }],
        measures: [{ op: 'count', as: 'value' }],
      },
    },
    {
      name: 'subjects per category and series, top 10 with Other',
      ctx: ctxOf(
        { countSubjects: true, topN: 10 },
        { category: ae('AESOC'), series: ae('AESEV'), subject_id: ae('USUBJID') },
      ),
      expected: expect.objectContaining({
        groupBy: [
          { column: ae('AESOC'), as: 'category' },
          { column: ae('AESEV'), as: 'series' },
        ],
        measures: [{ op: 'count_distinct', column: ae('USUBJID'), as: 'value' }],
        topN: { key: 'category', by: 'value', n: 10, other: 'Other', keysInOther: 'keys_in_other' },
      }),
    },
    {
      name: 'a population column as category is joined; a filter on another dataset is a semi-join',
      ctx: ctxOf({ measure: 'sum' }, { category: adsl('ARM'), value: ae('AEDUR'), subject_id: ae('USUBJID') }, [
        { column: { dataset: 'ADLB', column: 'PARAMCD' }, op: 'eq', value: 'ALT' },
      ]),
      expected: expect.objectContaining({
        joins: [{ dataset: 'ADSL', kind: 'left', on: [{ left: ae('USUBJID'), right: 'USUBJID' }] }],
        exists: [
          {
            dataset: 'ADLB',
            on: [{ left: ae('USUBJID'), right: 'USUBJID' }],
            where: [{ column: { dataset: 'ADLB', column: 'PARAMCD' }, op: 'eq', value: 'ALT' }],
          },
        ],
        measures: [{ op: 'sum', column: ae('AEDUR'), as: 'value' }],
      }),
    },
  ])('$name', ({ ctx, expected }) => {
    expect(barWidget.buildQueries(ctx).bars).toEqual(expected);
  });
});

describe('bar: table', () => {
  it.each([
    {
      name: 'largest first, ties by label, "Other" last, missing kept as null',
      options: { topN: 4 },
      rows: [
        ['Infections', 12],
        ['Gastro', 12],
        ['Cardiac', 4],
        [null, 2],
        ['Other', 30],
      ],
    },
    {
      name: 'by label ascending, missing last',
      options: { sort: 'label-asc' as const },
      rows: [
        ['Cardiac', 4],
        ['Gastro', 12],
        ['Infections', 12],
        ['Other', 30],
        [null, 2],
      ],
    },
    {
      name: 'smallest first',
      options: { sort: 'value-asc' as const },
      rows: [
        [null, 2],
        ['Cardiac', 4],
        ['Gastro', 12],
        ['Infections', 12],
        ['Other', 30],
      ],
    },
  ])('$name', ({ options, rows }) => {
    const table = barWidget.toTable({ bars: bySoc }, ctxOf(options));
    expect(table.rows).toEqual(rows);
    expect(table.columns).toEqual([
      { name: 'category', label: 'AESOC', type: 'string', field: 'category' },
      { name: 'value', label: 'Count', type: 'integer' },
    ]);
  });

  it('carries how many categories Other merges, apart from the rows', () => {
    const counted = result(
      [
        ['category', 'string'],
        ['value', 'integer'],
        ['keys_in_other', 'integer'],
      ],
      bySoc.rows.map((row) => [...row, row[0] === 'Other' ? 48 : null]),
    );
    const table = barWidget.toTable({ bars: counted }, ctxOf({ topN: 4 }));
    expect(table.otherCategories).toBe(48);
    expect(table.rows.at(-1)).toEqual(['Other', 30]);
    expect(table.columns.map((c) => c.name)).toEqual(['category', 'value']);
    // An answer without the count (a query made before it was asked for) says nothing.
    expect(barWidget.toTable({ bars: bySoc }, ctxOf({ topN: 4 })).otherCategories).toBeUndefined();
  });

  it('orders categories by their total over the series, series by label', () => {
    const ctx = ctxOf({}, { category: adsl('ARM'), series: adsl('SEX') });
    const table = barWidget.toTable({ bars: byArmAndSex }, ctx);
    expect(table.columns.map((c) => [c.name, c.field])).toEqual([
      ['category', 'category'],
      ['series', 'series'],
      ['value', undefined],
    ]);
    expect(table.rows).toEqual([
      ['Drug', 'F', 30],
      ['Placebo', 'F', 12],
      ['Placebo', 'M', 10],
    ]);
  });

  it('sorted by label, categories follow the category order column (visits by VISITNUM)', () => {
    const lb = (column: string): ColumnRef => ({ dataset: 'LB', column });
    const ctx = ctxOf(
      { sort: 'label-asc' },
      { category: lb('VISIT'), category_order: lb('VISITNUM'), subject_id: lb('USUBJID') },
    );
    expect(barWidget.buildQueries(ctx).bars?.measures).toContainEqual({
      op: 'min',
      column: lb('VISITNUM'),
      as: 'category_order',
    });
    const visits = result(
      [
        ['category', 'string'],
        ['value', 'integer'],
        ['category_order', 'number'],
      ],
      [
        ['DAY 1', 5, 2],
        ['FOLLOW-UP', 2, 13],
        ['SCREENING', 6, 1],
        ['WEEK 2', 4, 3],
      ],
    );
    expect(barWidget.toTable({ bars: visits }, ctx).rows.map((r) => r[0])).toEqual([
      'SCREENING',
      'DAY 1',
      'WEEK 2',
      'FOLLOW-UP',
    ]);
  });

  it('says when the engine cut the result', () => {
    const table = barWidget.toTable({ bars: { ...bySoc, truncated: true } }, ctxOf({}));
    expect(table.notes).toEqual(['Only the first 5 bars are shown: filter the data to see the rest.']);
  });
});

describe('bar: chart', () => {
  const single = (options: Partial<BarOptions>): [WidgetTable, BarOptions] => {
    const ctx = ctxOf(options);
    return [barWidget.toTable({ bars: bySoc }, ctx), ctx.options];
  };

  it('one series: labels on the category axis, raw values in each point, "Other" grey and not clickable', () => {
    const chart = barWidget.toChartOption?.(...single({ topN: 4 })) ?? {};
    expect(chart.xAxis).toMatchObject({
      type: 'category',
      data: ['Infections', 'Gastro', 'Cardiac', '(missing)', 'Other'],
    });
    expect(chart.yAxis).toMatchObject({ type: 'value', name: 'Count' });
    expect(chart.legend).toMatchObject({ show: false });
    expect(chart.series).toEqual([
      expect.objectContaining({
        type: 'bar',
        name: 'Count',
        data: [
          { value: 12, point: { category: 'Infections' } },
          { value: 12, point: { category: 'Gastro' } },
          { value: 4, point: { category: 'Cardiac' } },
          { value: 2, point: { category: null } },
          { value: 30, point: null, itemStyle: { color: OTHER_COLOR } },
        ],
      }),
    ]);
  });

  it('without top N, a category called "Other" is an ordinary bar', () => {
    const chart = barWidget.toChartOption?.(...single({})) ?? {};
    const data = (chart.series as { data: unknown[] }[])[0]?.data;
    expect(data?.[0]).toEqual({ value: 30, point: { category: 'Other' } });
  });

  it.each([
    { name: 'vertical', options: {}, valueAxis: 'yAxis', categoryAxis: 'xAxis', inverse: undefined },
    {
      name: 'horizontal, first category on top',
      options: { orientation: 'horizontal' as const },
      valueAxis: 'xAxis',
      categoryAxis: 'yAxis',
      inverse: true,
    },
  ])('$name', ({ options, valueAxis, categoryAxis, inverse }) => {
    const chart = barWidget.toChartOption?.(...single(options)) ?? {};
    expect(chart[valueAxis]).toMatchObject({ type: 'value' });
    expect(chart[categoryAxis]).toMatchObject({ type: 'category' });
    expect((chart[categoryAxis] as { inverse?: boolean }).inverse).toBe(inverse);
  });

  it('series: one bar series per value, aligned on the categories, gaps as null; stacked and labelled', () => {
    const ctx = ctxOf({ mode: 'stacked', showLabels: true }, { category: adsl('ARM'), series: adsl('SEX') });
    const chart = barWidget.toChartOption?.(barWidget.toTable({ bars: byArmAndSex }, ctx), ctx.options) ?? {};
    expect(chart.xAxis).toMatchObject({ data: ['Drug', 'Placebo'] });
    expect(chart.legend).toMatchObject({ show: true });
    expect(chart.series).toEqual([
      expect.objectContaining({
        name: 'F',
        stack: 'total',
        label: { show: true, position: 'inside' },
        data: [
          { value: 30, point: { category: 'Drug', series: 'F' } },
          { value: 12, point: { category: 'Placebo', series: 'F' } },
        ],
      }),
      expect.objectContaining({ name: 'M', data: [null, { value: 10, point: { category: 'Placebo', series: 'M' } }] }),
    ]);
  });

  it('is plain JSON', () => {
    const chart = barWidget.toChartOption?.(...single({ topN: 3, showLabels: true })) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
  });
});
