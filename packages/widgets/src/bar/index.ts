import type { BarSeriesOption } from 'echarts';
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
  KEYS_IN_OTHER,
  legend,
  OTHER_COLOR,
  OTHER_LABEL,
  otherCategories,
  pointOf,
  records,
  roundForDisplay,
  slanted,
  toNumber,
  tooltip,
  typeOf,
  valueAxis,
} from '../format.ts';
import { measureLabel, measureOf, measureOptions, measureType, SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';

const Options = z.object({
  ...measureOptions,
  mode: z
    .enum(['grouped', 'stacked'])
    .default('grouped')
    .describe('How the bars of a Series sit: side by side or on top of each other'),
  orientation: z.enum(['vertical', 'horizontal']).default('vertical').describe('horizontal suits long category names'),
  topN: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullable()
    .default(null)
    .describe('Show the N largest categories and merge the rest into "Other"; empty: all'),
  sort: z
    .enum(['value-desc', 'value-asc', 'label-asc', 'label-desc'])
    .default('value-desc')
    .describe('Order of the categories ("Other" stays last); by label follows the Category order column when mapped'),
  showLabels: z.boolean().default(false).describe('Write the value on each bar'),
});
export type BarOptions = z.infer<typeof Options>;

const isOther = (options: BarOptions, value: unknown) => options.topN !== null && value === OTHER_LABEL;

/**
 * Orders the categories as the options ask: by their total over the series (the height of a stacked
 * bar) or by label; "Other" always last, because it is not a category of its own.
 */
function categoryOrder(rows: Record<string, unknown>[], options: BarOptions): unknown[] {
  const totals = new Map<unknown, number>();
  const orderOf = new Map<unknown, unknown>();
  for (const row of rows) {
    totals.set(row.category, (totals.get(row.category) ?? 0) + (toNumber(row.value) ?? 0));
    const known = orderOf.get(row.category);
    if (row.category_order !== undefined && (known === undefined || compareLabels(row.category_order, known) < 0))
      orderOf.set(row.category, row.category_order);
  }
  const byValue = (a: unknown, b: unknown) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0) || compareLabels(a, b);
  // Visits read in time (VISITNUM), not A to Z, when a category order column is mapped.
  const byLabel = (a: unknown, b: unknown) => compareLabels(orderOf.get(a), orderOf.get(b)) || compareLabels(a, b);
  const compare: Record<BarOptions['sort'], (a: unknown, b: unknown) => number> = {
    'value-desc': (a, b) => -byValue(a, b),
    'value-asc': byValue,
    'label-asc': byLabel,
    'label-desc': (a, b) => -byLabel(a, b),
  };
  return [...totals.keys()].sort(
    (a, b) => Number(isOther(options, a)) - Number(isOther(options, b)) || compare[options.sort](a, b),
  );
}

/**
 * Bars of a measure per category, optionally split by a series (grouped or stacked), vertical or
 * horizontal, with a top N and "Other". The table has one row per bar: category, series, value.
 */
export const barWidget: WidgetType<BarOptions> = {
  type: 'bar',
  name: 'Bar chart',
  description: 'A measure per category, optionally split by a series: grouped or stacked, vertical or horizontal.',
  category: 'chart',
  fields: [
    field('category', true),
    field('value', false, { description: 'The column to aggregate; without it, rows are counted' }),
    field('series', false, { description: 'Splits each bar into one bar per value (grouped or stacked)' }),
    field('category_order', false, {
      description: 'Orders categories (sorted by label) by its smallest value: VISITNUM for visits, or a date',
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
    const category = col(ctx, 'category');
    const series = maybeCol(ctx, 'series');
    const order = maybeCol(ctx, 'category_order');
    const base = baseSpec(ctx, { uses: [category, series, maybeCol(ctx, 'value'), order] });
    const { topN } = ctx.options;
    return {
      bars: {
        ...base,
        groupBy: [{ column: category, as: 'category' }, ...(series ? [{ column: series, as: 'series' }] : [])],
        measures: [
          measureOf(ctx, base.from, 'value'),
          ...(order ? [{ op: 'min' as const, column: order, as: 'category_order' }] : []),
        ],
        ...(topN !== null
          ? { topN: { key: 'category', by: 'value', n: topN, other: OTHER_LABEL, keysInOther: KEYS_IN_OTHER } }
          : {}),
      },
    };
  },

  toTable(results, ctx) {
    const result = results.bars;
    const series = maybeCol(ctx, 'series');
    const rows = records(result);
    const categories = categoryOrder(rows, ctx.options);
    const rank = new Map(categories.map((c, i) => [c, i]));
    rows.sort((a, b) => (rank.get(a.category) ?? 0) - (rank.get(b.category) ?? 0) || compareLabels(a.series, b.series));
    const merged = otherCategories(rows);
    return {
      columns: [
        {
          name: 'category',
          label: col(ctx, 'category').column,
          type: typeOf(result, 'category') ?? 'string',
          field: 'category',
        },
        ...(series
          ? [{ name: 'series', label: series.column, type: typeOf(result, 'series') ?? 'string', field: 'series' }]
          : []),
        { name: 'value', label: measureLabel(ctx), type: measureType(ctx.options, typeOf(result, 'value')) },
      ],
      rows: rows.map((r) => [r.category, ...(series ? [r.series] : []), toNumber(r.value)]),
      notes: cutNotes(result, 'bars'),
      ...(merged !== undefined ? { otherCategories: merged } : {}),
    };
  },

  toChartOption(table, options) {
    const c = columnIndex(table.columns, 'category');
    const s = columnIndex(table.columns, 'series');
    const v = columnIndex(table.columns, 'value');
    const categories = [...new Set(table.rows.map((row) => row[c]))];
    const seriesKeys = s < 0 ? [undefined] : [...new Set(table.rows.map((row) => row[s]))].sort(compareLabels);
    const at = new Map(table.rows.map((row) => [JSON.stringify([row[c], s < 0 ? undefined : row[s]]), row]));
    const horizontal = options.orientation === 'horizontal';
    const stacked = options.mode === 'stacked' && s >= 0;
    const labelPosition = stacked ? 'inside' : horizontal ? 'right' : 'top';

    const series: BarSeriesOption[] = seriesKeys.map((key) => ({
      type: 'bar',
      name: s < 0 ? (table.columns[v]?.label ?? 'Value') : displayLabel(key),
      barMaxWidth: 48,
      ...(stacked ? { stack: 'total' } : { itemStyle: { borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] } }),
      ...(options.showLabels ? { label: { show: true, position: labelPosition } } : {}),
      data: categories.map((category) => {
        const row = at.get(JSON.stringify([category, key]));
        const value = row ? toNumber(row[v]) : null;
        if (!row || value === null) return null;
        if (!isOther(options, category)) return { value: roundForDisplay(value), point: pointOf(table.columns, row) };
        // Grey marks "Other" only when colour does not already mean a series.
        return { value: roundForDisplay(value), point: null, ...(s < 0 ? { itemStyle: { color: OTHER_COLOR } } : {}) };
      }),
    }));

    const labels = categories.map(displayLabel);
    const measure = table.columns[v]?.label;
    return chartOption({
      grid: grid(s >= 0, !horizontal && slanted(labels)),
      legend: legend(s >= 0),
      tooltip: tooltip('axis', 'shadow'),
      xAxis: horizontal ? valueAxis(measure) : categoryAxis(labels),
      yAxis: horizontal ? { ...categoryAxis(labels, undefined, 'down'), inverse: true } : valueAxis(measure),
      series,
    });
  },
};
