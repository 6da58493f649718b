import type { QueryFilter, WidgetColumn } from '@cdp/contracts';
import type { LineSeriesOption } from 'echarts';
import { z } from 'zod';
import { orderArms } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import {
  categoryAxis,
  chartOption,
  cutNotes,
  FONT_FAMILY,
  grid,
  legend,
  PALETTE,
  roundForDisplay,
  scaledValueAxis,
  toNumber,
  tooltip,
} from '../format.ts';
import { armOf, populationFilters, populationOptions } from '../labs/lab-scope.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';

const Options = z.object({
  test: z
    .string()
    .default('')
    .describe('The test drawn, by code when the test code is mapped (ALT…), else by name; empty draws the first test'),
  statistic: z
    .enum(['mean', 'median'])
    .default('mean')
    .describe('Mean ± standard deviation, or median with the quartiles (Q1–Q3)'),
  ...populationOptions,
});
type Options = z.infer<typeof Options>;

function testColumn(ctx: WidgetContext<Options>) {
  return maybeCol(ctx, 'lab_test_code') ?? col(ctx, 'lab_test');
}

const STAT_COLUMNS: WidgetColumn[] = [
  { name: 'n', label: 'n', type: 'integer' },
  { name: 'mean', label: 'Mean', type: 'number' },
  { name: 'sd', label: 'SD', type: 'number' },
  { name: 'median', label: 'Median', type: 'number' },
  { name: 'q1', label: 'Q1', type: 'number' },
  { name: 'q3', label: 'Q3', type: 'number' },
  { name: 'lln', label: 'LLN (median)', type: 'number' },
  { name: 'uln', label: 'ULN (median)', type: 'number' },
];

const round4 = (value: unknown) => {
  const n = toNumber(value);
  return n === null ? null : Math.round(n * 10_000) / 10_000;
};

/**
 * An axis range over `values` with a little room, on round numbers: the reference limits must be
 * inside it, or ECharts leaves their lines out.
 */
function niceRange(values: number[]): { min?: number; max?: number } {
  if (values.length === 0) return {};
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
  const step = 10 ** Math.floor(Math.log10(high - low + 2 * pad));
  return { min: Math.floor((low - pad) / step) * step, max: Math.ceil((high + pad) / step) * step };
}

/**
 * Lab values over time: per test, visit and arm, n, mean and SD, median and quartiles of the
 * numeric result. Visits are ordered by their number (VISITNUM, AVISITN), never by name. The chart
 * draws one test: a line per arm (mean or median) with its band (± SD, or Q1–Q3), and the test's
 * typical reference limits (the median LLN and ULN of its records, since ranges differ by lab and
 * sex) as dashed lines. Each point's tooltip gives n.
 */
export const labTrend: WidgetType<Options> = {
  type: 'lab-trend',
  name: 'Lab values over time',
  description: 'Mean ± SD or median and quartiles of a lab test by visit and arm, with the reference limits drawn.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('arm', true, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
    field('lab_test', true),
    field('lab_test_code', false),
    field('lab_value', true),
    field('visit_order', true),
    field('visit', false, { description: 'Visit name shown on the axis (VISIT, AVISIT); the visit number orders it' }),
    field('lab_lln', false),
    field('lab_uln', false),
    field('lab_unit', false),
    field('population_flag', false),
  ],
  datasets: ['ADLB', 'LB', 'ADLBHY'],
  needsPopulation: true,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 10 },

  buildQueries(ctx) {
    const test = testColumn(ctx);
    const value = col(ctx, 'lab_value');
    const arm = armOf(ctx);
    const visit = maybeCol(ctx, 'visit');
    const lln = maybeCol(ctx, 'lab_lln');
    const uln = maybeCol(ctx, 'lab_uln');
    const conditions: QueryFilter[] = [
      ...populationFilters(ctx),
      { column: value, op: 'notnull' },
      { column: col(ctx, 'visit_order'), op: 'notnull' },
      ...(ctx.options.test ? [{ column: test, op: 'eq' as const, value: ctx.options.test }] : []),
    ];
    const base = restrict(ctx, baseSpec(ctx, { uses: [arm] }), conditions);
    return {
      stats: {
        ...base,
        groupBy: [
          { column: test, as: 'test' },
          { column: col(ctx, 'visit_order'), as: 'visit_order' },
          ...(visit ? [{ column: visit, as: 'visit' }] : []),
          { column: arm, as: 'arm' },
        ],
        measures: [
          { op: 'count', column: value, as: 'n' },
          { op: 'mean', column: value, as: 'mean' },
          { op: 'stddev', column: value, as: 'sd' },
          { op: 'median', column: value, as: 'median' },
          { op: 'percentile', column: value, p: 0.25, as: 'q1' },
          { op: 'percentile', column: value, p: 0.75, as: 'q3' },
        ],
        orderBy: [{ key: 'test' }, { key: 'visit_order' }, { key: 'arm' }],
      },
      ...(lln || uln
        ? {
            limits: {
              ...base,
              groupBy: [{ column: test, as: 'test' }],
              measures: [
                ...(lln ? [{ op: 'median' as const, column: lln, as: 'lln' }] : []),
                ...(uln ? [{ op: 'median' as const, column: uln, as: 'uln' }] : []),
              ],
            },
          }
        : {}),
    };
  },

  toTable(results, ctx) {
    const limits = new Map(records(results.limits).map((r) => [textOrNull(r.test), r]));
    const rows = records(results.stats).flatMap((r) => {
      const test = textOrNull(r.test);
      const arm = textOrNull(r.arm);
      if (test === null || arm === null) return [];
      const order = toNumber(r.visit_order);
      const limit = limits.get(test);
      return [
        [
          test,
          order,
          textOrNull(r.visit) ?? (order === null ? null : String(order)),
          arm,
          count(r.n),
          round4(r.mean),
          round4(r.sd),
          round4(r.median),
          round4(r.q1),
          round4(r.q3),
          round4(limit?.lln),
          round4(limit?.uln),
        ],
      ];
    });
    const table: WidgetTable = {
      columns: [
        { name: 'test', label: 'Test', type: 'string' },
        { name: 'visit_order', label: 'Visit number', type: 'number' },
        { name: 'visit', label: 'Visit', type: 'string' },
        { name: 'arm', label: 'Arm', type: 'string', field: 'arm' },
        ...STAT_COLUMNS,
      ],
      rows,
      notes: cutNotes(results.stats, 'rows of test, visit and arm'),
    };
    const tests = new Set(rows.map((r) => r[0]));
    if (!ctx.options.test && tests.size > 1) {
      table.notes?.push(`The chart shows ${String(rows[0]?.[0])}; choose the test in the options`);
    }
    return table;
  },

  toChartOption(table, options) {
    const at = (name: string) => table.columns.findIndex((c) => c.name === name);
    const [iTest, iOrder, iVisit, iArm, iN] = ['test', 'visit_order', 'visit', 'arm', 'n'].map(at) as number[];
    const test = options.test ? options.test : table.rows[0]?.[iTest as number];
    const rows = table.rows.filter((r) => String(r[iTest as number]).toUpperCase() === String(test).toUpperCase());
    // Visits in number order; the label is the name the data gives that number.
    const visits = [...new Map(rows.map((r) => [toNumber(r[iOrder as number]), String(r[iVisit as number])])).entries()]
      .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
      .map(([order, label]) => ({ order, label }));
    const visitIndex = new Map(visits.map((v, i) => [v.order, i]));
    const arms = orderArms(
      rows.map((r) => String(r[iArm as number])),
      options.armOrder,
    );
    const mean = options.statistic === 'mean';
    const centre = at(mean ? 'mean' : 'median');
    const low = mean ? null : at('q1');
    const high = mean ? null : at('q3');
    const sd = at('sd');
    const bounds = (r: unknown[]): [number | null, number | null] => {
      const c = toNumber(r[centre]);
      if (mean) {
        const s = toNumber(r[sd]);
        return c === null || s === null ? [null, null] : [c - s, c + s];
      }
      return [toNumber(r[low as number]), toNumber(r[high as number])];
    };

    // Every value the chart draws (lines and bands), so the axis can take the reference limits in too.
    const drawn = rows.flatMap((r) => [toNumber(r[centre]), ...bounds(r)]).filter((v): v is number => v !== null);
    const series: LineSeriesOption[] = [];
    arms.forEach((arm, i) => {
      const color = PALETTE[i % PALETTE.length] as string;
      const byVisit = new Map(
        rows
          .filter((r) => String(r[iArm as number]) === arm)
          .map((r) => [visitIndex.get(toNumber(r[iOrder as number])), r]),
      );
      const cells = visits.map((_, v) => byVisit.get(v));
      const what = mean ? 'Mean' : 'Median';
      series.push({
        type: 'line',
        name: arm,
        color,
        symbolSize: 6,
        connectNulls: true,
        z: 3,
        data: cells.map((r, v) => {
          if (!r) return null;
          const value = toNumber(r[centre]);
          const [lo, hi] = bounds(r);
          const shown = (n: number | null) => (n === null ? '–' : String(roundForDisplay(n)));
          const spread = mean ? `SD ${shown(toNumber(r[sd]))}` : `Q1–Q3 ${shown(lo)}–${shown(hi)}`;
          return {
            value: value === null ? null : roundForDisplay(value),
            tooltip: {
              formatter: `${arm} · ${visits[v]?.label}<br/>${what} ${shown(value)} (${spread})<br/>n = ${count(r[iN as number])}`,
            },
          };
        }) as LineSeriesOption['data'],
      });
      // The band: an invisible lower line and the height above it, stacked and shaded.
      const stack = `band-${i}`;
      const band = {
        type: 'line' as const,
        stack,
        silent: true,
        symbol: 'none',
        connectNulls: true,
        tooltip: { show: false },
        z: 1,
      };
      series.push({
        ...band,
        name: `${arm} (band low)`,
        lineStyle: { opacity: 0 },
        data: cells.map((r) => {
          const [lo, hi] = r ? bounds(r) : [null, null];
          return lo === null || hi === null ? null : roundForDisplay(lo);
        }),
      });
      series.push({
        ...band,
        name: `${arm} (band)`,
        lineStyle: { opacity: 0 },
        areaStyle: { color, opacity: 0.12 },
        data: cells.map((r) => {
          const [lo, hi] = r ? bounds(r) : [null, null];
          return lo === null || hi === null ? null : roundForDisplay(hi - lo);
        }),
      });
    });

    const first = rows[0];
    const lln = first ? toNumber(first[at('lln')]) : null;
    const uln = first ? toNumber(first[at('uln')]) : null;
    const limitLines = [
      ...(lln !== null ? [{ yAxis: lln, label: { formatter: `LLN ${roundForDisplay(lln)}` } }] : []),
      ...(uln !== null ? [{ yAxis: uln, label: { formatter: `ULN ${roundForDisplay(uln)}` } }] : []),
    ];
    const centreSeries = series[0];
    if (centreSeries && limitLines.length > 0) {
      centreSeries.markLine = {
        silent: true,
        symbol: 'none',
        lineStyle: { color: '#94a3b8', type: 'dashed', width: 1 },
        label: { position: 'insideEndTop', fontFamily: FONT_FAMILY, fontSize: 10, color: '#64748b' },
        data: limitLines,
      };
    }
    const labels = visits.map((v) => v.label);
    return chartOption({
      title: {
        text: String(test ?? ''),
        left: 0,
        top: 0,
        textStyle: { fontFamily: FONT_FAMILY, fontSize: 12, fontWeight: 600, color: '#334155' },
      },
      // Title, legend and the value axis's name each get a line above the plot.
      grid: { ...grid(true, labels.length > 3 && labels.some((l) => l.length > 10)), top: 76 },
      // The legend has a line of its own under the test's name, bounded on both sides so a scroll
      // legend pages within the chart instead of running past its right edge.
      legend: { ...legend(arms.length > 0), data: arms, top: 22, left: 0, right: 0 },
      tooltip: tooltip('item'),
      xAxis: categoryAxis(labels),
      yAxis: {
        ...scaledValueAxis(mean ? 'Mean ± SD' : 'Median (Q1–Q3)'),
        ...niceRange([...drawn, ...(lln === null ? [] : [lln]), ...(uln === null ? [] : [uln])]),
      },
      series,
    });
  },
};
