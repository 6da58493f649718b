import type { QueryMeasure, WidgetColumn } from '@cdp/contracts';
import type { BoxplotSeriesOption, ScatterSeriesOption } from 'echarts';
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
  OTHER_LABEL,
  PALETTE,
  pointOf,
  records,
  roundForDisplay,
  scaledValueAxis,
  slanted,
  toNumber,
  tooltip,
  typeOf,
} from '../format.ts';
import { SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';

const Options = z.object({
  orientation: z.enum(['vertical', 'horizontal']).default('vertical'),
  maxGroups: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullable()
    .default(30)
    .describe('Draw the N largest categories (by number of values) and merge the rest into "Other"; empty: all'),
  sort: z
    .enum(['label', 'median-desc', 'median-asc'])
    .default('label')
    .describe('Order of the boxes ("Other" stays last)'),
  showMean: z.boolean().default(true).describe('Mark the mean with a diamond'),
  showN: z.boolean().default(true).describe('Write the number of values under each box'),
});
export type BoxPlotOptions = z.infer<typeof Options>;

/** The statistics of one box, in the order ECharts draws them, then n and the mean. */
const BOX = ['min', 'q1', 'median', 'q3', 'max'] as const;
const LABELS: Record<(typeof BOX)[number] | 'n' | 'mean', string> = {
  n: 'n',
  min: 'Minimum',
  q1: 'Q1',
  median: 'Median',
  q3: 'Q3',
  max: 'Maximum',
  mean: 'Mean',
};

const isOther = (options: BoxPlotOptions, value: unknown) => options.maxGroups !== null && value === OTHER_LABEL;

/**
 * The distribution of Value per category: quartiles (continuous, as `quantile_cont`), whiskers at
 * the minimum and maximum (outliers would need the rows themselves), n and the mean. One row per box.
 */
/**
 * The value axis of an upright box plot. Slanted category names start at their tick and run down
 * to the left, where the first one meets the value axis's lowest label: that label gives way.
 */
function valueAxisBeside(labels: string[]) {
  const axis = scaledValueAxis();
  return slanted(labels) ? { ...axis, axisLabel: { ...(axis.axisLabel as object), showMinLabel: false } } : axis;
}

export const boxPlotWidget: WidgetType<BoxPlotOptions> = {
  type: 'box-plot',
  name: 'Box plot',
  description: 'The distribution of a value per category: median, quartiles, minimum and maximum, mean and n.',
  category: 'chart',
  fields: [
    field('value', true),
    field('category', false, { description: 'One box per value; without it, one box for all rows' }),
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
    const category = maybeCol(ctx, 'category');
    const base = baseSpec(ctx, { uses: [value, category] });
    const { maxGroups } = ctx.options;
    const measures: QueryMeasure[] = [
      { op: 'count', column: value, as: 'n' },
      { op: 'min', column: value, as: 'min' },
      { op: 'percentile', column: value, p: 0.25, as: 'q1' },
      { op: 'median', column: value, as: 'median' },
      { op: 'percentile', column: value, p: 0.75, as: 'q3' },
      { op: 'max', column: value, as: 'max' },
      { op: 'mean', column: value, as: 'mean' },
    ];
    return {
      boxes: {
        ...base,
        where: [...(base.where ?? []), { column: value, op: 'notnull' }],
        groupBy: category ? [{ column: category, as: 'category' }] : [],
        measures,
        ...(category && maxGroups !== null
          ? { topN: { key: 'category', by: 'n', n: maxGroups, other: OTHER_LABEL } }
          : {}),
      },
    };
  },

  toTable(results, ctx) {
    const result = results.boxes;
    const category = maybeCol(ctx, 'category');
    const { options } = ctx;
    const median = (r: Record<string, unknown>) => toNumber(r.median) ?? 0;
    const order: Record<BoxPlotOptions['sort'], (a: Record<string, unknown>, b: Record<string, unknown>) => number> = {
      label: (a, b) => compareLabels(a.category, b.category),
      'median-desc': (a, b) => median(b) - median(a) || compareLabels(a.category, b.category),
      'median-asc': (a, b) => median(a) - median(b) || compareLabels(a.category, b.category),
    };
    const rows = records(result)
      .filter((r) => (toNumber(r.n) ?? 0) > 0)
      .sort(
        (a, b) =>
          Number(isOther(options, a.category)) - Number(isOther(options, b.category)) || order[options.sort](a, b),
      );
    const valueType = typeOf(result, 'median') ?? 'number';
    const columns: WidgetColumn[] = [
      ...(category
        ? [
            {
              name: 'category',
              label: category.column,
              type: typeOf(result, 'category') ?? 'string',
              field: 'category',
            },
          ]
        : []),
      { name: 'n', label: LABELS.n, type: 'integer' },
      ...[...BOX, 'mean' as const].map((name) => ({
        name,
        label: LABELS[name],
        type: name === 'min' || name === 'max' ? (typeOf(result, name) ?? valueType) : valueType,
      })),
    ];
    return {
      columns,
      rows: rows.map((r) => [
        ...(category ? [r.category] : []),
        toNumber(r.n),
        ...[...BOX, 'mean' as const].map((name) => toNumber(r[name])),
      ]),
      notes: [
        `Boxes span the first to the third quartile; whiskers reach the minimum and the maximum.`,
        ...cutNotes(result, 'boxes'),
      ],
    };
  },

  toChartOption(table, options) {
    const c = columnIndex(table.columns, 'category');
    const n = columnIndex(table.columns, 'n');
    const mean = columnIndex(table.columns, 'mean');
    const box = BOX.map((name) => columnIndex(table.columns, name));
    const horizontal = options.orientation === 'horizontal';
    const labels = table.rows.map((row) => {
      const label = c < 0 ? 'All' : displayLabel(row[c]);
      return options.showN ? `${label}\nn=${toNumber(row[n]) ?? 0}` : label;
    });
    const pointAt = (row: unknown[]) => (c >= 0 && isOther(options, row[c]) ? null : pointOf(table.columns, row));
    const rounded = (cell: unknown) => {
      const v = toNumber(cell);
      return v === null ? null : roundForDisplay(v);
    };

    const boxes: BoxplotSeriesOption = {
      type: 'boxplot',
      name: 'Distribution',
      boxWidth: [8, 40],
      itemStyle: { color: '#ccfbf1', borderColor: PALETTE[0], borderWidth: 1.5 },
      data: table.rows.map((row) => ({
        value: box.map((i) => rounded(row[i]) ?? 0),
        point: pointAt(row),
      })),
    };
    const means: ScatterSeriesOption = {
      type: 'scatter',
      name: 'Mean',
      symbol: 'diamond',
      symbolSize: 9,
      itemStyle: { color: PALETTE[2] },
      data: table.rows.map((row, i) => {
        const v = rounded(row[mean]);
        return v === null
          ? null
          : { value: horizontal ? [v, labels[i] ?? ''] : [labels[i] ?? '', v], point: pointAt(row) };
      }),
    };
    return chartOption({
      // Slanted visit names reach left of the plot, over the value axis's labels, without the room.
      grid: grid(options.showMean, !horizontal && slanted(labels)),
      legend: legend(options.showMean),
      tooltip: tooltip('item'),
      xAxis: horizontal ? scaledValueAxis() : categoryAxis(labels),
      yAxis: horizontal ? { ...categoryAxis(labels, undefined, 'down'), inverse: true } : valueAxisBeside(labels),
      series: options.showMean ? [boxes, means] : [boxes],
    });
  },
};
