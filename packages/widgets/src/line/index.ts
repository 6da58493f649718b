import type { QueryGroup, WidgetColumn } from '@cdp/contracts';
import { TimeBucket } from '@cdp/contracts';
import type { LineSeriesOption } from 'echarts';
import { z } from 'zod';
import { field } from '../fields.ts';
import {
  categoryAxis,
  chartOption,
  columnIndex,
  compareLabels,
  cutNotes,
  displayLabel,
  grid,
  legend,
  OTHER_COLOR,
  OTHER_LABEL,
  pointOf,
  records,
  roundForDisplay,
  slanted,
  timeAxis,
  toNumber,
  tooltip,
  typeOf,
  valueAxis,
} from '../format.ts';
import { measureLabel, measureOf, measureOptions, measureType, SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, maybeCol, WidgetError } from '../query-helpers.ts';
import type { WidgetContext, WidgetType } from '../types.ts';

const Options = z.object({
  ...measureOptions,
  bucket: TimeBucket.default('month').describe('With Date on the x axis: the period each point stands for'),
  cumulative: z
    .boolean()
    .default(false)
    .describe('Add each point to the ones before it (for counts and sums: enrolment over time, say)'),
  maxSeries: z
    .number()
    .int()
    .min(1)
    .max(50)
    .nullable()
    .default(10)
    .describe('Draw the N largest series and merge the rest into "Other"; empty: all'),
});
export type LineOptions = z.infer<typeof Options>;

/** Lines with fewer points than this show a dot at each point; denser lines read better without. */
const SYMBOL_LIMIT = 60;

function xAxisGroup(ctx: WidgetContext<LineOptions>): QueryGroup {
  const date = maybeCol(ctx, 'date');
  if (date) return { column: date, as: 'period', bucket: ctx.options.bucket };
  const category = maybeCol(ctx, 'category');
  if (category) return { column: category, as: 'category' };
  throw new WidgetError('Map Date (or Category) to a column for the x axis.');
}

const isOther = (options: LineOptions, value: unknown) => options.maxSeries !== null && value === OTHER_LABEL;

function seriesCompare(options: LineOptions) {
  return (a: unknown, b: unknown) => Number(isOther(options, a)) - Number(isOther(options, b)) || compareLabels(a, b);
}

/** Running totals per series, in x order (rows are sorted by x already). */
function runningTotals(rows: Record<string, unknown>[]): number[] {
  const sums = new Map<unknown, number>();
  return rows.map((row) => {
    const sum = (sums.get(row.series) ?? 0) + (toNumber(row.value) ?? 0);
    sums.set(row.series, sum);
    return sum;
  });
}

/**
 * A measure over time (Date, bucketed by day, week, month, quarter or year) or along a category,
 * one line per series (the largest N, the rest as "Other"), optionally cumulative. The table has one
 * row per point: x, series, value (and the running total).
 */
export const lineWidget: WidgetType<LineOptions> = {
  type: 'line',
  name: 'Line chart',
  description:
    'A measure over time (by day, week, month…) or along a category, one line per series, optionally cumulative.',
  category: 'chart',
  fields: [
    field('date', false, { description: 'The x axis, bucketed by the Bucket option (map this or Category)' }),
    field('category', false, { description: 'The x axis when it is not a date' }),
    field('value', false, { description: 'The column to aggregate; without it, rows are counted' }),
    field('series', false, { description: 'One line per value' }),
    SUBJECT_FIELD,
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 8 },

  buildQueries(ctx) {
    const x = xAxisGroup(ctx);
    const series = maybeCol(ctx, 'series');
    const base = baseSpec(ctx, { uses: [x.column, series, maybeCol(ctx, 'value')] });
    const { maxSeries } = ctx.options;
    return {
      points: {
        ...base,
        // A point needs a place on the time axis; undated rows have none.
        where: [...(base.where ?? []), ...(x.bucket ? [{ column: x.column, op: 'notnull' as const }] : [])],
        groupBy: [x, ...(series ? [{ column: series, as: 'series' }] : [])],
        measures: [measureOf(ctx, base.from, 'value')],
        orderBy: [{ key: x.as, dir: 'asc' }],
        ...(series && maxSeries !== null
          ? { topN: { key: 'series', by: 'value', n: maxSeries, other: OTHER_LABEL } }
          : {}),
      },
    };
  },

  toTable(results, ctx) {
    const result = results.points;
    const x = xAxisGroup(ctx);
    const series = maybeCol(ctx, 'series');
    const bySeries = seriesCompare(ctx.options);
    const rows = records(result).sort((a, b) => compareLabels(a[x.as], b[x.as]) || bySeries(a.series, b.series));
    const valueType = measureType(ctx.options, typeOf(result, 'value'));
    const columns: WidgetColumn[] = [
      x.bucket
        ? // A bucket stands for a range of dates: no field, so a click does not filter on its first day only.
          { name: 'period', label: `${x.column.column} (${x.bucket})`, type: typeOf(result, 'period') ?? 'date' }
        : { name: 'category', label: x.column.column, type: typeOf(result, 'category') ?? 'string', field: 'category' },
      ...(series
        ? [{ name: 'series', label: series.column, type: typeOf(result, 'series') ?? 'string', field: 'series' }]
        : []),
      { name: 'value', label: measureLabel(ctx), type: valueType },
    ];
    const cumulative = ctx.options.cumulative ? runningTotals(rows) : undefined;
    if (cumulative)
      columns.push({ name: 'cumulative', label: `Cumulative ${measureLabel(ctx).toLowerCase()}`, type: valueType });
    return {
      columns,
      rows: rows.map((r, i) => [
        r[x.as],
        ...(series ? [r.series] : []),
        toNumber(r.value),
        ...(cumulative ? [cumulative[i]] : []),
      ]),
      notes: cutNotes(result, 'points'),
    };
  },

  toChartOption(table, options) {
    const timeX = columnIndex(table.columns, 'period') >= 0;
    const x = columnIndex(table.columns, timeX ? 'period' : 'category');
    const s = columnIndex(table.columns, 'series');
    const y = columnIndex(table.columns, options.cumulative ? 'cumulative' : 'value');
    const categories = timeX ? [] : [...new Set(table.rows.map((row) => row[x]))];
    const seriesKeys = s < 0 ? [undefined] : [...new Set(table.rows.map((row) => row[s]))].sort(seriesCompare(options));

    const series: LineSeriesOption[] = seriesKeys.map((key) => {
      const rows = s < 0 ? table.rows : table.rows.filter((row) => row[s] === key);
      const byCategory = new Map(timeX ? [] : rows.map((row) => [row[x], row]));
      const item = (row: unknown[]) => {
        const value = toNumber(row[y]);
        if (value === null) return null;
        return { value: roundForDisplay(value), point: isOther(options, key) ? null : pointOf(table.columns, row) };
      };
      const data = timeX
        ? rows.flatMap((row) => {
            const it = item(row);
            return it ? [{ ...it, value: [String(row[x]), it.value] }] : [];
          })
        : categories.map((category) => {
            const row = byCategory.get(category);
            return row ? item(row) : null;
          });
      const other = isOther(options, key) ? { color: OTHER_COLOR } : {};
      return {
        type: 'line',
        name: s < 0 ? (table.columns[y]?.label ?? 'Value') : displayLabel(key),
        symbol: 'circle',
        symbolSize: 5,
        showSymbol: rows.length <= SYMBOL_LIMIT,
        lineStyle: { width: 2, ...other },
        itemStyle: other,
        // A running total holds until the next point, then steps up.
        ...(options.cumulative ? { step: 'end' as const } : {}),
        data,
      };
    });

    const labels = categories.map(displayLabel);
    return chartOption({
      grid: grid(s >= 0, !timeX && slanted(labels)),
      legend: legend(s >= 0),
      tooltip: tooltip('axis', 'line'),
      xAxis: timeX ? timeAxis() : categoryAxis(labels),
      yAxis: valueAxis(table.columns[y]?.label),
      series,
    });
  },
};
