import type { QueryGroup, QueryResult, WidgetColumn } from '@cdp/contracts';
import type { BarSeriesOption } from 'echarts';
import { z } from 'zod';
import { field } from '../fields.ts';
import {
  categoryAxis,
  chartOption,
  columnIndex,
  compareLabels,
  displayLabel,
  formatCount,
  grid,
  legend,
  pointOf,
  records,
  toNumber,
  tooltip,
  typeOf,
  valueAxis,
} from '../format.ts';
import { SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';
import { binIndex, edgesOf, MAX_FILLED_BINS, niceWidth } from './bins.ts';

const Options = z.object({
  binWidth: z
    .number()
    .positive()
    .nullable()
    .default(null)
    .describe('Width of a bin, in the unit of Value; empty: a round width giving about `bins` bins'),
  bins: z.number().int().min(2).max(100).default(20).describe('About how many bins, when Bin width is empty'),
});
export type HistogramOptions = z.infer<typeof Options>;

interface Counted {
  index: number;
  series: unknown;
  count: number;
}

/**
 * With a bin width, the engine bins (`floor(x / width) × width`). Without one, it counts each
 * distinct value and the bins are cut here, once the range is known: one query either way. That
 * reads at most 10,000 distinct values; a column with more needs a bin width, and says so.
 */
function countsOf(result: QueryResult | undefined, options: HistogramOptions) {
  const rows = records(result);
  if (options.binWidth !== null) {
    const width = options.binWidth;
    const counted = rows.flatMap((r): Counted[] => {
      const bin = toNumber(r.bin);
      return bin === null ? [] : [{ index: Math.round(bin / width), series: r.series, count: toNumber(r.count) ?? 0 }];
    });
    return { width, counted, notes: [] };
  }
  if (result?.truncated) {
    return {
      width: 1,
      counted: [],
      notes: ['This column has more than 10,000 distinct values: set a bin width to draw its histogram.'],
    };
  }
  const values = rows.flatMap((r) => {
    const v = toNumber(r.value);
    return v === null ? [] : [{ value: v, series: r.series, count: toNumber(r.count) ?? 0 }];
  });
  if (values.length === 0) return { width: 1, counted: [], notes: [] };
  const numbers = values.map((v) => v.value);
  const width = niceWidth(Math.min(...numbers), Math.max(...numbers), options.bins, numbers.every(Number.isInteger));
  const counted = values.map((v) => ({ index: binIndex(v.value, width), series: v.series, count: v.count }));
  return { width, counted, notes: [`Bins of ${width}: set a bin width to change them.`] };
}

/**
 * How the values of a numeric column are spread: counts of rows per bin, empty bins included,
 * stacked by series when one is mapped. The table has one row per bin (and series).
 */
export const histogramWidget: WidgetType<HistogramOptions> = {
  type: 'histogram',
  name: 'Histogram',
  description:
    'How a numeric value is spread: rows per bin of a fixed width (or about N round bins), stacked by series.',
  category: 'chart',
  fields: [
    field('value', true),
    field('series', false, { description: 'Stacks the bars, one colour per value' }),
    SUBJECT_FIELD,
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 8 },

  buildQueries(ctx) {
    const value = col(ctx, 'value');
    const series = maybeCol(ctx, 'series');
    const base = baseSpec(ctx, { uses: [value, series] });
    const { binWidth } = ctx.options;
    const key: QueryGroup = binWidth !== null ? { column: value, as: 'bin', binWidth } : { column: value, as: 'value' };
    return {
      bins: {
        ...base,
        where: [...(base.where ?? []), { column: value, op: 'notnull' }],
        groupBy: [key, ...(series ? [{ column: series, as: 'series' }] : [])],
        measures: [{ op: 'count', as: 'count' }],
        orderBy: [{ key: key.as, dir: 'asc' }],
      },
    };
  },

  toTable(results, ctx) {
    const value = col(ctx, 'value');
    const series = maybeCol(ctx, 'series');
    const { width, counted, notes } = countsOf(results.bins, ctx.options);
    const seriesKeys = series ? [...new Set(counted.map((c) => c.series))].sort(compareLabels) : [undefined];
    const counts = new Map<string, number>();
    for (const c of counted) {
      const key = JSON.stringify([c.index, series ? c.series : null]);
      counts.set(key, (counts.get(key) ?? 0) + c.count);
    }
    const indices = [...new Set(counted.map((c) => c.index))].sort((a, b) => a - b);
    const first = indices[0] ?? 0;
    const last = indices.at(-1) ?? -1;
    // Empty bins between the first and the last are drawn: a gap is part of the shape.
    const filled = last - first < MAX_FILLED_BINS;
    const bins = filled ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : indices;
    if (!filled)
      notes.push(`More than ${formatCount(MAX_FILLED_BINS)} bins: empty ones are left out. A wider bin reads better.`);

    const columns: WidgetColumn[] = [
      { name: 'bin_start', label: value.column, type: 'number' },
      { name: 'bin_end', label: 'Up to (excluded)', type: 'number' },
      ...(series
        ? [{ name: 'series', label: series.column, type: typeOf(results.bins, 'series') ?? 'string', field: 'series' }]
        : []),
      { name: 'count', label: 'Rows', type: 'integer' },
    ];
    const rows = bins.flatMap((index) =>
      seriesKeys.map((key) => [
        ...edgesOf(index, width),
        ...(series ? [key] : []),
        counts.get(JSON.stringify([index, series ? key : null])) ?? 0,
      ]),
    );
    return { columns, rows, notes };
  },

  toChartOption(table) {
    const start = columnIndex(table.columns, 'bin_start');
    const end = columnIndex(table.columns, 'bin_end');
    const s = columnIndex(table.columns, 'series');
    const count = columnIndex(table.columns, 'count');
    const label = (row: unknown[]) => `${row[start]}–${row[end]}`;
    const labels = [...new Set(table.rows.map(label))];
    const seriesKeys = s < 0 ? [undefined] : [...new Set(table.rows.map((row) => row[s]))];

    const series: BarSeriesOption[] = seriesKeys.map((key) => ({
      type: 'bar',
      name: s < 0 ? (table.columns[count]?.label ?? 'Rows') : displayLabel(key),
      stack: 'bins',
      barCategoryGap: '4%',
      data: table.rows
        .filter((row) => s < 0 || row[s] === key)
        .map((row) => ({ value: toNumber(row[count]) ?? 0, point: pointOf(table.columns, row) })),
    }));
    return chartOption({
      grid: grid(s >= 0),
      legend: legend(s >= 0),
      tooltip: tooltip('axis', 'shadow'),
      xAxis: categoryAxis(labels, table.columns[start]?.label),
      yAxis: valueAxis(table.columns[count]?.label),
      series,
    });
  },
};
