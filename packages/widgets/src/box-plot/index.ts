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
  formatCount,
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
    .describe(
      'Order of the boxes: by the category order column when mapped (VISITNUM), else by label; or by median ("Other" stays last)',
    ),
  showMean: z.boolean().default(true).describe('Mark the mean with a diamond'),
  showN: z.boolean().default(true).describe('Write the number of values under each box'),
});
export type BoxPlotOptions = z.infer<typeof Options>;

/** The statistics of one box, in the order ECharts draws them (Tukey whiskers). */
const BOX = ['whisker_low', 'q1', 'median', 'q3', 'whisker_high'] as const;
/** The table's numeric columns, in order. */
const STATS = ['min', 'whisker_low', 'q1', 'median', 'q3', 'whisker_high', 'max', 'mean'] as const;
const LABELS: Record<(typeof STATS)[number] | 'n' | 'outliers', string> = {
  n: 'n',
  min: 'Minimum',
  whisker_low: 'Lower whisker',
  q1: 'Q1',
  median: 'Median',
  q3: 'Q3',
  whisker_high: 'Upper whisker',
  max: 'Maximum',
  mean: 'Mean',
  outliers: 'Outliers',
};

/** The engine lists outliers as text (`"1.5, 210"`). */
function outlierValues(cell: unknown): number[] {
  if (typeof cell !== 'string' || cell === '') return [];
  return cell
    .split(',')
    .map(Number)
    .filter((v) => Number.isFinite(v));
}

/**
 * The outliers of one box as drawn: one point per distinct value (as drawn, rounded for display)
 * with how many outliers it stands for, first seen first. Lab values repeat (ALT 52 for many
 * subjects): 2,622 outliers on the bench's 1,000,000-row LB study were a few hundred distinct
 * points, and ECharts makes an element and a hover target per point. The table and the exports
 * keep every value.
 */
export function distinctOutliers(values: number[]): { value: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const v of values) {
    const drawn = roundForDisplay(v);
    counts.set(drawn, (counts.get(drawn) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count }));
}

const isOther = (options: BoxPlotOptions, value: unknown) => options.maxGroups !== null && value === OTHER_LABEL;

/**
 * The distribution of Value per category: quartiles (continuous, as `quantile_cont`), Tukey
 * whiskers (the furthest values within 1.5 × IQR of the box), the values beyond them drawn as
 * points, n, the mean, minimum and maximum. One row per box. Categories follow the Category order
 * column when one is mapped (VISITNUM for visits: SCREENING, DAY 1, WEEK 2 … rather than A to Z).
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
  description:
    'The distribution of a value per category: median, quartiles, Tukey whiskers with outliers as points, mean and n.',
  category: 'chart',
  fields: [
    field('value', true),
    field('category', false, { description: 'One box per value; without it, one box for all rows' }),
    field('category_order', false, {
      description: 'Orders the boxes by its smallest value per category: VISITNUM for visits, or a date',
    }),
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
    const order = category ? maybeCol(ctx, 'category_order') : undefined;
    const base = baseSpec(ctx, { uses: [value, category, order] });
    const { maxGroups } = ctx.options;
    const measures: QueryMeasure[] = [
      { op: 'count', column: value, as: 'n' },
      { op: 'min', column: value, as: 'min' },
      { op: 'whisker_low', column: value, as: 'whisker_low' },
      { op: 'percentile', column: value, p: 0.25, as: 'q1' },
      { op: 'median', column: value, as: 'median' },
      { op: 'percentile', column: value, p: 0.75, as: 'q3' },
      { op: 'whisker_high', column: value, as: 'whisker_high' },
      { op: 'max', column: value, as: 'max' },
      { op: 'mean', column: value, as: 'mean' },
      { op: 'outliers', column: value, as: 'outliers' },
      ...(order ? [{ op: 'min' as const, column: order, as: 'category_order' }] : []),
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
      label: (a, b) => compareLabels(a.category_order, b.category_order) || compareLabels(a.category, b.category),
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
      ...STATS.map((name) => ({
        name,
        label: LABELS[name],
        type: ['min', 'max', 'whisker_low', 'whisker_high'].includes(name)
          ? (typeOf(result, name) ?? valueType)
          : valueType,
      })),
      { name: 'outliers', label: LABELS.outliers, type: 'string' },
    ];
    return {
      columns,
      rows: rows.map((r) => [
        ...(category ? [r.category] : []),
        toNumber(r.n),
        ...STATS.map((name) => toNumber(r[name])),
        typeof r.outliers === 'string' && r.outliers !== '' ? r.outliers : null,
      ]),
      notes: [
        'Boxes span the first to the third quartile; whiskers reach the furthest values within 1.5 × IQR of the box (Tukey); values beyond are drawn as points.',
        ...cutNotes(result, 'boxes'),
      ],
    };
  },

  toChartOption(table, options) {
    const c = columnIndex(table.columns, 'category');
    const n = columnIndex(table.columns, 'n');
    const mean = columnIndex(table.columns, 'mean');
    const outliers = columnIndex(table.columns, 'outliers');
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
    // One symbol per distinct value of a box, named with its category and how many outliers it
    // stands for; the tooltip shows that name and the value alone (`encode.tooltip`).
    const points: ScatterSeriesOption = {
      type: 'scatter',
      name: 'Outliers',
      symbol: 'circle',
      symbolSize: 5,
      itemStyle: { color: 'transparent', borderColor: PALETTE[0], borderWidth: 1 },
      encode: horizontal ? { x: 0, y: 1, tooltip: 0 } : { x: 0, y: 1, tooltip: 1 },
      data: table.rows.flatMap((row, i) => {
        const category = c < 0 ? 'All' : displayLabel(row[c]);
        return distinctOutliers(outliers < 0 ? [] : outlierValues(row[outliers])).map(({ value, count }) => ({
          value: horizontal ? [value, labels[i] ?? ''] : [labels[i] ?? '', value],
          name: count > 1 ? `${category}: ${formatCount(count)} outliers at this value` : category,
          count,
          point: pointAt(row),
        }));
      }),
    };
    const hasOutliers = (points.data?.length ?? 0) > 0;
    const series = [boxes, ...(hasOutliers ? [points] : []), ...(options.showMean ? [means] : [])];
    return chartOption({
      // Slanted visit names reach left of the plot, over the value axis's labels, without the room.
      grid: grid(series.length > 1, !horizontal && slanted(labels)),
      legend: legend(series.length > 1),
      tooltip: tooltip('item'),
      xAxis: horizontal ? scaledValueAxis() : categoryAxis(labels),
      yAxis: horizontal ? { ...categoryAxis(labels, undefined, 'down'), inverse: true } : valueAxisBeside(labels),
      series,
    });
  },
};
