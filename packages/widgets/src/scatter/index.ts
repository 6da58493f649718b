import type { QuerySelect, WidgetColumn } from '@cdp/contracts';
import type { ScatterSeriesOption } from 'echarts';
import { z } from 'zod';
import { field } from '../fields.ts';
import {
  chartOption,
  columnIndex,
  compareLabels,
  displayLabel,
  formatCount,
  grid,
  legend,
  pointOf,
  records,
  roundForDisplay,
  scaledValueAxis,
  timeAxis,
  toNumber,
  tooltip,
  typeOf,
} from '../format.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';

const Options = z.object({
  maxPoints: z
    .number()
    .int()
    .min(100)
    .max(10_000)
    .default(5000)
    .describe('At most this many points are drawn (the browser slows down beyond a few thousand)'),
  symbolSize: z.number().int().min(2).max(24).default(6).describe('Size of a point, in pixels'),
});
export type ScatterOptions = z.infer<typeof Options>;

const isTime = (column: WidgetColumn | undefined) => column?.type === 'date' || column?.type === 'datetime';

/**
 * One point per row: X against Y, coloured by series. Rows are read in subject order (then x, y)
 * and cut at `maxPoints`, so a cut drops whole subjects rather than a range of X, and the same
 * points come back every time (exports match the screen). With Subject mapped, a click on a point
 * drills down to that subject.
 */
export const scatterWidget: WidgetType<ScatterOptions> = {
  type: 'scatter',
  name: 'Scatter plot',
  description: 'One point per row, X against Y, coloured by series; a click on a point opens its subject.',
  category: 'chart',
  fields: [
    field('x', true),
    field('y', true),
    field('series', false, { description: 'Colours the points, one series per value' }),
    field('subject_id', false, { description: 'Lets a click on a point open its subject' }),
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 8 },

  buildQueries(ctx) {
    const x = col(ctx, 'x');
    const y = col(ctx, 'y');
    const series = maybeCol(ctx, 'series');
    const subject = maybeCol(ctx, 'subject_id');
    const base = baseSpec(ctx, { uses: [x, y, series, subject] });
    const select: QuerySelect[] = [
      { column: x, as: 'x' },
      { column: y, as: 'y' },
      ...(series ? [{ column: series, as: 'series' }] : []),
      ...(subject ? [{ column: subject, as: 'subject_id' }] : []),
    ];
    return {
      points: {
        ...base,
        where: [...(base.where ?? []), { column: x, op: 'notnull' }, { column: y, op: 'notnull' }],
        select,
        orderBy: [
          ...(subject ? [{ key: 'subject_id', dir: 'asc' as const }] : []),
          { key: 'x', dir: 'asc' },
          { key: 'y', dir: 'asc' },
        ],
        limit: ctx.options.maxPoints,
        withTotal: true,
      },
    };
  },

  toTable(results, ctx) {
    const result = results.points;
    const series = maybeCol(ctx, 'series');
    const subject = maybeCol(ctx, 'subject_id');
    const rows = records(result);
    const total = result?.total ?? rows.length;
    const notes =
      total > rows.length
        ? [
            `${formatCount(rows.length)} of ${formatCount(total)} points are shown (the first subjects by id): filter to see others.`,
          ]
        : [];
    return {
      columns: [
        { name: 'x', label: col(ctx, 'x').column, type: typeOf(result, 'x') ?? 'number' },
        { name: 'y', label: col(ctx, 'y').column, type: typeOf(result, 'y') ?? 'number' },
        ...(series
          ? [{ name: 'series', label: series.column, type: typeOf(result, 'series') ?? 'string', field: 'series' }]
          : []),
        ...(subject
          ? [
              {
                name: 'subject_id',
                label: subject.column,
                type: typeOf(result, 'subject_id') ?? 'string',
                field: 'subject_id',
              },
            ]
          : []),
      ],
      rows: rows.map((r) => [r.x, r.y, ...(series ? [r.series] : []), ...(subject ? [r.subject_id] : [])]),
      total,
      notes,
    };
  },

  toChartOption(table, options) {
    const x = columnIndex(table.columns, 'x');
    const y = columnIndex(table.columns, 'y');
    const s = columnIndex(table.columns, 'series');
    const timeX = isTime(table.columns[x]);
    const seriesKeys = s < 0 ? [undefined] : [...new Set(table.rows.map((row) => row[s]))].sort(compareLabels);
    const groups = new Map<unknown, unknown[][]>(seriesKeys.map((key) => [key, []]));
    for (const row of table.rows) groups.get(s < 0 ? undefined : row[s])?.push(row);

    const series: ScatterSeriesOption[] = seriesKeys.map((key) => ({
      type: 'scatter',
      name: s < 0 ? `${table.columns[y]?.label} by ${table.columns[x]?.label}` : displayLabel(key),
      symbolSize: options.symbolSize,
      itemStyle: { opacity: 0.75 },
      emphasis: { focus: 'series' },
      data: (groups.get(key) ?? []).flatMap((row) => {
        const yValue = toNumber(row[y]);
        const xValue = timeX ? row[x] : toNumber(row[x]);
        if (yValue === null || xValue === null || xValue === undefined) return [];
        const xCell = typeof xValue === 'number' ? roundForDisplay(xValue) : String(xValue);
        return [{ value: [xCell, roundForDisplay(yValue)], point: pointOf(table.columns, row) }];
      }),
    }));

    const xName = table.columns[x]?.label;
    return chartOption({
      grid: { ...grid(s >= 0), bottom: 28 },
      legend: legend(s >= 0),
      tooltip: tooltip('item'),
      xAxis: {
        ...(timeX ? timeAxis() : scaledValueAxis()),
        ...(xName ? { name: xName, nameLocation: 'middle' as const, nameGap: 28 } : {}),
      },
      yAxis: scaledValueAxis(table.columns[y]?.label),
      series,
    });
  },
};
