import type { ColumnRef, QueryFilter, QuerySpec, WidgetColumn, WidgetDataResponse } from '@cdp/contracts';
import { TIME_BUCKETS } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { records, toNumber, typeOf } from '../format.ts';
import { baseSpec, maybeCol, WidgetError } from '../query-helpers.ts';
import type { WidgetContext, WidgetType } from '../types.ts';
import { isCount, measureLabel, measureOf, measureOptions, measureType, SUBJECT_FIELD } from './measure.ts';

const Options = z.object({
  ...measureOptions,
  format: z
    .enum(['auto', 'integer', 'number', 'percent'])
    .default('auto')
    .describe('auto: integer for counts, number otherwise; percent shows a fraction (0.42) as 42%'),
  decimals: z
    .number()
    .int()
    .min(0)
    .max(6)
    .nullable()
    .default(null)
    .describe('Decimals shown; empty: the format decides'),
  comparison: z
    .enum(['none', 'previous-period'])
    .default('none')
    .describe('previous-period (needs Date): the value over the last N days, compared with the N days before'),
  periodDays: z.number().int().min(1).max(3660).default(30).describe('Length of the period, in days'),
  asOf: z.iso
    .date()
    .nullable()
    .default(null)
    .describe('Last day of the period, e.g. the data cut-off (YYYY-MM-DD); empty: today'),
  trend: z
    .enum(['none', ...TIME_BUCKETS])
    .default('month')
    .describe('A small chart of the value per period (needs Date)'),
});
export type MetricOptions = z.infer<typeof Options>;

type MetricFormat = NonNullable<WidgetDataResponse['metric']>['format'];

function formatOf(options: MetricOptions): MetricFormat {
  if (options.format !== 'auto') return options.format;
  return isCount(options) ? 'integer' : 'number';
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The two windows of a period comparison, as half-open date ranges. `asOf` defaults to today (UTC)
 * when the query is built: a study still collecting data wants "the last 30 days"; a locked
 * database should set its cut-off date, so the numbers (and a re-run export) never move.
 */
function periods(options: MetricOptions) {
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const end = addDays(asOf, 1);
  const start = addDays(end, -options.periodDays);
  return {
    asOf,
    current: { from: start, to: end },
    previous: { from: addDays(start, -options.periodDays), to: start },
  };
}

/** `from <= date < to`: half-open, so a datetime or an ISO text with a time on the last day is in. */
function within(date: ColumnRef, range: { from: string; to: string }): QueryFilter[] {
  return [
    { column: date, op: 'ge', value: range.from },
    { column: date, op: 'lt', value: range.to },
  ];
}

function comparing(ctx: WidgetContext<MetricOptions>): ColumnRef | undefined {
  if (ctx.options.comparison === 'none') return undefined;
  const date = maybeCol(ctx, 'date');
  if (!date) throw new WidgetError('Comparing with the previous period needs Date mapped to a column.');
  return date;
}

/**
 * One number, big: a count, a sum, a mean… of the widget's rows. With Date mapped it can show a
 * trend per month (or week, quarter, year) and compare the last N days with the N days before.
 */
export const metricWidget: WidgetType<MetricOptions> = {
  type: 'metric',
  name: 'Metric',
  description:
    'One number (count, subjects, sum, mean, …) with an optional trend and comparison with the previous period.',
  category: 'metric',
  fields: [
    field('value', false, { description: 'The column to aggregate; without it, rows are counted' }),
    field('date', false, { description: 'For the trend and the comparison with the previous period' }),
    SUBJECT_FIELD,
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 3, h: 4 },

  buildQueries(ctx) {
    const date = maybeCol(ctx, 'date');
    const compareOn = comparing(ctx);
    const base = baseSpec(ctx, { uses: [maybeCol(ctx, 'value'), date] });
    const queries: Record<string, QuerySpec> = {};
    if (compareOn) {
      const { current, previous } = periods(ctx.options);
      queries.value = {
        ...base,
        measures: [
          { ...measureOf(ctx, base.from, 'value'), where: within(compareOn, current) },
          { ...measureOf(ctx, base.from, 'comparison'), where: within(compareOn, previous) },
        ],
      };
    } else {
      queries.value = { ...base, measures: [measureOf(ctx, base.from, 'value')] };
    }
    if (date && ctx.options.trend !== 'none') {
      queries.trend = {
        ...base,
        where: [...(base.where ?? []), { column: date, op: 'notnull' }],
        groupBy: [{ column: date, as: 'period', bucket: ctx.options.trend }],
        measures: [measureOf(ctx, base.from, 'value')],
        orderBy: [{ key: 'period', dir: 'asc' }],
      };
    }
    return queries;
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const row = records(results.value)[0] ?? {};
    const value = toNumber(row.value);
    const type = measureType(options, typeOf(results.value, 'value'));
    const columns: WidgetColumn[] = [{ name: 'value', label: measureLabel(ctx), type }];
    const cells: unknown[] = [value];
    const metric: NonNullable<WidgetDataResponse['metric']> = { value, format: formatOf(options) };
    const notes: string[] = [];

    if (options.comparison === 'previous-period') {
      const { asOf } = periods(options);
      const days = options.periodDays === 1 ? 'day' : `${options.periodDays} days`;
      const comparison = toNumber(row.comparison);
      columns.push({ name: 'comparison', label: `Previous ${days}`, type });
      cells.push(comparison);
      metric.comparison = { label: `vs. previous ${days}`, value: comparison };
      notes.push(`The value covers the last ${days} up to ${asOf}; it is compared with the ${days} before.`);
    }
    if (results.trend) {
      metric.trend = records(results.trend).flatMap((r) => {
        const v = toNumber(r.value);
        return r.period === null || r.period === undefined || v === null
          ? []
          : [{ period: String(r.period), value: v }];
      });
    }
    return { columns, rows: [cells], metric, notes };
  },
};
