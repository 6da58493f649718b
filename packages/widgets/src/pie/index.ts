import type { PieSeriesOption } from 'echarts';
import { z } from 'zod';
import { field } from '../fields.ts';
import {
  chartOption,
  columnIndex,
  compareLabels,
  cutNotes,
  displayLabel,
  KEYS_IN_OTHER,
  legend,
  OTHER_COLOR,
  OTHER_LABEL,
  otherCategories,
  type Point,
  pointOf,
  records,
  roundForDisplay,
  TEXT_COLORS,
  toNumber,
  tooltip,
  typeOf,
} from '../format.ts';
import { measureLabel, measureOf, measureOptions, measureType, SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';

const Options = z.object({
  ...measureOptions,
  donut: z.boolean().default(false).describe('Leave the middle empty'),
  topN: z
    .number()
    .int()
    .min(1)
    .max(50)
    .nullable()
    .default(8)
    .describe('Show the N largest slices and merge the rest into "Other"; empty: all'),
  showLabels: z.boolean().default(true).describe('Name and share next to each slice (otherwise a legend)'),
});
export type PieOptions = z.infer<typeof Options>;

interface Slice {
  name: string;
  value: number;
  /** The slice's share as its label prints it ("35.9%"): a key listing the slices shows the same. */
  share: string;
  point: Point | null;
  itemStyle?: { color: string };
  label?: { formatter: string };
  tooltip: { formatter: string };
}

const isOther = (options: PieOptions, value: unknown) => options.topN !== null && value === OTHER_LABEL;

/**
 * Shares of a measure per category, largest first, the smaller ones merged into "Other" (eight
 * slices by default: beyond that a pie stops being read). The table has one row per slice.
 */
export const pieWidget: WidgetType<PieOptions> = {
  type: 'pie',
  name: 'Pie chart',
  description: 'Shares of a measure per category, the smallest merged into "Other"; optionally a donut.',
  category: 'chart',
  fields: [
    field('category', true),
    field('value', false, { description: 'The column to aggregate; without it, rows are counted' }),
    SUBJECT_FIELD,
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 4, h: 8 },

  buildQueries(ctx) {
    const category = col(ctx, 'category');
    const base = baseSpec(ctx, { uses: [category, maybeCol(ctx, 'value')] });
    const { topN } = ctx.options;
    return {
      slices: {
        ...base,
        groupBy: [{ column: category, as: 'category' }],
        measures: [measureOf(ctx, base.from, 'value')],
        ...(topN !== null
          ? { topN: { key: 'category', by: 'value', n: topN, other: OTHER_LABEL, keysInOther: KEYS_IN_OTHER } }
          : {}),
      },
    };
  },

  toTable(results, ctx) {
    const result = results.slices;
    const rows = records(result).sort(
      (a, b) =>
        Number(isOther(ctx.options, a.category)) - Number(isOther(ctx.options, b.category)) ||
        (toNumber(b.value) ?? 0) - (toNumber(a.value) ?? 0) ||
        compareLabels(a.category, b.category),
    );
    const merged = otherCategories(rows);
    return {
      columns: [
        {
          name: 'category',
          label: col(ctx, 'category').column,
          type: typeOf(result, 'category') ?? 'string',
          field: 'category',
        },
        { name: 'value', label: measureLabel(ctx), type: measureType(ctx.options, typeOf(result, 'value')) },
      ],
      rows: rows.map((r) => [r.category, toNumber(r.value)]),
      notes: cutNotes(result, 'slices'),
      ...(merged !== undefined ? { otherCategories: merged } : {}),
    };
  },

  toChartOption(table, options) {
    const c = columnIndex(table.columns, 'category');
    const v = columnIndex(table.columns, 'value');
    const total = table.rows.reduce((sum, row) => sum + Math.max(0, toNumber(row[v]) ?? 0), 0);
    const data = table.rows.flatMap((row): Slice[] => {
      const value = toNumber(row[v]);
      if (value === null) return [];
      const other = isOther(options, row[c]);
      // "Other (2 categories)": Other is not one category, and would otherwise not say how many it holds.
      const merged = other ? table.otherCategories : undefined;
      const name =
        merged !== undefined
          ? `${OTHER_LABEL} (${merged} ${merged === 1 ? 'category' : 'categories'})`
          : displayLabel(row[c]);
      // Shares with one decimal each (ECharts' own {d} prints 12.34% next to 24%); the tooltip
      // carries the full name, which a label may have to wrap.
      const share = `${total > 0 ? ((100 * value) / total).toFixed(1) : '0.0'}%`;
      const slice = {
        name,
        value: roundForDisplay(value),
        share,
        // Name and share on lines of their own: a long name then needs only its own width beside the pie.
        ...(options.showLabels ? { label: { formatter: `${name}\n${share}` } } : {}),
        tooltip: { formatter: `${name}: ${roundForDisplay(value).toLocaleString('en-US')} (${share})` },
      };
      if (!other) return [{ ...slice, point: pointOf(table.columns, row) }];
      return [{ ...slice, point: null, itemStyle: { color: OTHER_COLOR } }];
    });
    const series: PieSeriesOption = {
      type: 'pie',
      name: table.columns[v]?.label ?? 'Value',
      // With labels, a smaller pie leaves them room beside it.
      radius: options.donut
        ? options.showLabels
          ? ['28%', '46%']
          : ['45%', '70%']
        : [0, options.showLabels ? '46%' : '70%'],
      center: ['50%', options.showLabels ? '50%' : '55%'],
      avoidLabelOverlap: true,
      // Slivers get no label (the tooltip and the table have them); labels that still collide are hidden.
      minShowLabelAngle: 6,
      labelLayout: { hideOverlap: true },
      itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
      // A long name wraps onto a second line within the room beside the pie instead of being cut.
      label: options.showLabels
        ? {
            show: true,
            formatter: '{b}',
            color: TEXT_COLORS.body,
            fontSize: 11,
            overflow: 'break',
            lineHeight: 13,
          }
        : { show: false },
      labelLine: { show: options.showLabels, length: 8, length2: 6 },
      data,
    };
    return chartOption({
      legend: legend(!options.showLabels),
      tooltip: tooltip('item'),
      series: [series],
    });
  },
};
