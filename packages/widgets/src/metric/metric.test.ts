import type { ColumnRef, QueryFilter, QueryResult } from '@cdp/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';
import { type MetricOptions, metricWidget } from './index.ts';

const ae = (column: string): ColumnRef => ({ dataset: 'ADAE', column });
const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });

function ctxOf(
  options: Partial<MetricOptions>,
  fields: Record<string, ColumnRef> = {},
  filters: QueryFilter[] = [],
): WidgetContext<MetricOptions> {
  return { options: metricWidget.options.parse(options), dataset: 'ADAE', population: 'ADSL', fields, filters };
}

function result(columns: [string, QueryResult['columns'][number]['type']][], rows: unknown[][]): QueryResult {
  return { columns: columns.map(([name, type]) => ({ name, type })), rows, truncated: false };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('metric: queries', () => {
  const cases: { name: string; ctx: WidgetContext<MetricOptions>; expected: Record<string, unknown> }[] = [
    {
      name: 'count without a value counts rows',
      ctx: ctxOf({}),
      expected: { value: { from: 'ADAE', joins: [], where: [], exists: [], measures: [{ op: 'count', as: 'value' }] } },
    },
    {
      name: 'count with a value counts its non-missing values',
      ctx: ctxOf({}, { value: ae('AEDUR') }),
      expected: { value: expect.objectContaining({ measures: [{ op: 'count', column: ae('AEDUR'), as: 'value' }] }) },
    },
    {
      name: 'countSubjects counts distinct subject ids of the FROM dataset',
      ctx: ctxOf({ countSubjects: true, measure: 'mean' }, { subject_id: ae('USUBJID') }),
      expected: {
        value: expect.objectContaining({ measures: [{ op: 'count_distinct', column: ae('USUBJID'), as: 'value' }] }),
      },
    },
    {
      name: 'a mean of a population column joins the population',
      ctx: ctxOf({ measure: 'mean' }, { value: adsl('AGE'), subject_id: ae('USUBJID') }),
      expected: {
        value: expect.objectContaining({
          joins: [{ dataset: 'ADSL', kind: 'left', on: [{ left: ae('USUBJID'), right: 'USUBJID' }] }],
          measures: [{ op: 'mean', column: adsl('AGE'), as: 'value' }],
        }),
      },
    },
    {
      name: 'widget and dashboard filters go in WHERE',
      ctx: ctxOf({}, {}, [{ column: ae('AESER'), op: 'eq', value: 'Y' }]),
      expected: { value: expect.objectContaining({ where: [{ column: ae('AESER'), op: 'eq', value: 'Y' }] }) },
    },
    {
      name: 'a date adds a monthly trend, undated rows left out',
      ctx: ctxOf({}, { date: ae('ASTDT') }),
      expected: {
        value: expect.objectContaining({ measures: [{ op: 'count', as: 'value' }] }),
        trend: {
          from: 'ADAE',
          joins: [],
          exists: [],
          where: [{ column: ae('ASTDT'), op: 'notnull' }],
          groupBy: [{ column: ae('ASTDT'), as: 'period', bucket: 'month' }],
          measures: [{ op: 'count', as: 'value' }],
          orderBy: [{ key: 'period', dir: 'asc' }],
        },
      },
    },
    {
      name: 'trend none: no trend query',
      ctx: ctxOf({ trend: 'none' }, { date: ae('ASTDT') }),
      expected: { value: expect.anything() },
    },
    {
      name: 'previous period: two windows of the same measure, half-open, ending on asOf',
      ctx: ctxOf({ comparison: 'previous-period', asOf: '2024-06-30', trend: 'none' }, { date: ae('ASTDT') }),
      expected: {
        value: expect.objectContaining({
          measures: [
            {
              op: 'count',
              as: 'value',
              where: [
                { column: ae('ASTDT'), op: 'ge', value: '2024-06-01' },
                { column: ae('ASTDT'), op: 'lt', value: '2024-07-01' },
              ],
            },
            {
              op: 'count',
              as: 'comparison',
              where: [
                { column: ae('ASTDT'), op: 'ge', value: '2024-05-02' },
                { column: ae('ASTDT'), op: 'lt', value: '2024-06-01' },
              ],
            },
          ],
        }),
      },
    },
    {
      name: 'previous period of 7 days across a month end',
      ctx: ctxOf(
        { comparison: 'previous-period', asOf: '2024-03-03', periodDays: 7, trend: 'none' },
        { date: ae('ASTDT') },
      ),
      expected: {
        value: expect.objectContaining({
          measures: [
            expect.objectContaining({
              where: [
                expect.objectContaining({ value: '2024-02-26' }),
                expect.objectContaining({ value: '2024-03-04' }),
              ],
            }),
            expect.objectContaining({
              where: [
                expect.objectContaining({ value: '2024-02-19' }),
                expect.objectContaining({ value: '2024-02-26' }),
              ],
            }),
          ],
        }),
      },
    },
  ];
  it.each(cases)('$name', ({ ctx, expected }) => {
    expect(metricWidget.buildQueries(ctx)).toEqual(expected);
  });

  it('anchors the period on today (UTC) when asOf is empty', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-10T23:30:00Z'));
    const queries = metricWidget.buildQueries(
      ctxOf({ comparison: 'previous-period', trend: 'none' }, { date: ae('ASTDT') }),
    );
    expect(queries.value?.measures?.[0]?.where?.[1]).toEqual({ column: ae('ASTDT'), op: 'lt', value: '2025-01-11' });
  });

  it.each([
    { name: 'a mean without Value', ctx: ctxOf({ measure: 'mean' }), message: /needs Value/ },
    { name: 'counting subjects without Subject', ctx: ctxOf({ countSubjects: true }), message: /needs Subject/ },
    { name: 'a comparison without Date', ctx: ctxOf({ comparison: 'previous-period' }), message: /needs Date/ },
  ])('refuses $name', ({ ctx, message }) => {
    expect(() => metricWidget.buildQueries(ctx)).toThrow(WidgetError);
    expect(() => metricWidget.buildQueries(ctx)).toThrow(message);
  });
});

describe('metric: table', () => {
  it.each<{ name: string; ctx: WidgetContext<MetricOptions>; results: Record<string, QueryResult>; expected: unknown }>(
    [
      {
        name: 'a row count, as an integer',
        ctx: ctxOf({}),
        results: { value: result([['value', 'integer']], [[42]]) },
        expected: {
          columns: [{ name: 'value', label: 'Count', type: 'integer' }],
          rows: [[42]],
          metric: { value: 42, format: 'integer' },
          notes: [],
        },
      },
      {
        name: 'a mean keeps its decimals and reads as a number; a bigint string becomes a number',
        ctx: ctxOf({ measure: 'mean' }, { value: ae('AEDUR') }),
        results: { value: result([['value', 'number']], [['12.5']]) },
        expected: expect.objectContaining({
          columns: [{ name: 'value', label: 'Mean AEDUR', type: 'number' }],
          metric: { value: 12.5, format: 'number' },
        }),
      },
      {
        name: 'percent as chosen; no rows is a null value',
        ctx: ctxOf({ measure: 'mean', format: 'percent' }, { value: ae('FLAG') }),
        results: { value: result([['value', 'number']], []) },
        expected: expect.objectContaining({ rows: [[null]], metric: { value: null, format: 'percent' } }),
      },
      {
        name: 'comparison and trend (undated and empty periods dropped)',
        ctx: ctxOf(
          { comparison: 'previous-period', asOf: '2024-06-30', countSubjects: true },
          { date: ae('ASTDT'), subject_id: ae('USUBJID') },
        ),
        results: {
          value: result(
            [
              ['value', 'integer'],
              ['comparison', 'integer'],
            ],
            [[12, 8]],
          ),
          trend: result(
            [
              ['period', 'date'],
              ['value', 'integer'],
            ],
            [
              ['2024-04-01', 3],
              ['2024-05-01', 8],
              ['2024-06-01', 12],
              [null, 4],
            ],
          ),
        },
        expected: {
          columns: [
            { name: 'value', label: 'Subjects', type: 'integer' },
            { name: 'comparison', label: 'Previous 30 days', type: 'integer' },
          ],
          rows: [[12, 8]],
          metric: {
            value: 12,
            format: 'integer',
            comparison: { label: 'vs. previous 30 days', value: 8 },
            trend: [
              { period: '2024-04-01', value: 3 },
              { period: '2024-05-01', value: 8 },
              { period: '2024-06-01', value: 12 },
            ],
          },
          notes: ['The value covers the last 30 days up to 2024-06-30; it is compared with the 30 days before.'],
        },
      },
    ],
  )('$name', ({ ctx, results, expected }) => {
    expect(metricWidget.toTable(results, ctx)).toEqual(expected);
  });
});
