import type { ScatterSeriesOption } from 'echarts';
import {
  chartOption,
  columnIndex,
  displayLabel,
  FONT_FAMILY,
  legend,
  PALETTE,
  TEXT_COLORS,
  toNumber,
  tooltip,
} from '../format.ts';
import type { WidgetTable, WidgetType } from '../types.ts';
import { armsOf, EdishOptions, edishFields, peakRows, peaksQuery, xLabel } from './peaks.ts';
import { BILIRUBIN_LIMIT, QUADRANTS, TRANSAMINASE_LIMIT } from './quadrants.ts';

const AXIS_LINE = '#cbd5e1';
const THRESHOLD = '#b91c1c';

/** A log axis from a power of ten below the data (and 0.1) to one above it (and 10). */
function logRange(values: number[], low: number, high: number): { min: number; max: number } {
  const finite = values.filter((v) => v > 0);
  const lo = Math.min(low, ...finite);
  const hi = Math.max(high, ...finite);
  return { min: 10 ** Math.floor(Math.log10(lo)), max: 10 ** Math.ceil(Math.log10(hi)) };
}

function logAxis(name: string, range: { min: number; max: number }, nameLocation: 'middle' | 'end') {
  return {
    type: 'log' as const,
    logBase: 10,
    min: range.min,
    max: range.max,
    name,
    nameLocation,
    nameGap: nameLocation === 'middle' ? 26 : 10,
    // The Y name sits above the axis, starting at it (centred, it would run off the chart's left edge).
    nameTextStyle: {
      fontFamily: FONT_FAMILY,
      fontSize: 11,
      color: TEXT_COLORS.label,
      ...(nameLocation === 'end' ? { align: 'left' as const } : {}),
    },
    axisLine: { show: true, lineStyle: { color: AXIS_LINE } },
    axisTick: { show: true, lineStyle: { color: AXIS_LINE } },
    axisLabel: { fontFamily: FONT_FAMILY, fontSize: 11, color: TEXT_COLORS.muted },
    splitLine: { lineStyle: { color: '#eef2f6' } },
  };
}

/** Quadrant names in the plot's corners, drawn by a silent, symbol-less series outside the legend. */
function quadrantLabels(x: { min: number; max: number }, y: { min: number; max: number }): ScatterSeriesOption {
  const corner = (name: string, at: [number, number], align: 'left' | 'right', verticalAlign: 'top' | 'bottom') => ({
    value: at,
    name,
    label: {
      show: true,
      formatter: name,
      position: 'inside' as const,
      align,
      verticalAlign,
      offset: [align === 'left' ? 6 : -6, verticalAlign === 'top' ? 6 : -6],
      fontFamily: FONT_FAMILY,
      fontSize: 11,
      fontWeight: 600 as const,
      color: name === QUADRANTS.hysLaw ? THRESHOLD : TEXT_COLORS.muted,
    },
  });
  return {
    type: 'scatter',
    name: 'Quadrants',
    silent: true,
    symbolSize: 0,
    tooltip: { show: false },
    z: 1,
    data: [
      corner(QUADRANTS.hysLaw, [x.max, y.max], 'right', 'top'),
      corner(QUADRANTS.cholestasis, [x.min, y.max], 'left', 'top'),
      corner(QUADRANTS.temple, [x.max, y.min], 'right', 'bottom'),
      corner(QUADRANTS.normal, [x.min, y.min], 'left', 'bottom'),
    ],
  };
}

/**
 * eDISH: each subject's peak ALT (or AST, or the larger) × ULN against peak total bilirubin × ULN on
 * log axes, split at 3 × ULN and 2 × ULN, coloured by arm. A point carries its subject, so a click
 * opens the subject's profile; the Hy's-law subjects are listed by `hys-law-cases`.
 */
export const edish: WidgetType<EdishOptions> = {
  type: 'edish',
  name: "eDISH (Hy's law)",
  description:
    "Peak ALT/AST × ULN against peak total bilirubin × ULN per subject, on log axes with Hy's law thresholds, by arm.",
  category: 'clinical',
  fields: edishFields,
  datasets: ['ADLBHY', 'ADLB', 'LB'],
  needsPopulation: true,
  optionsVersion: 1,
  options: EdishOptions,
  defaultOptions: EdishOptions.parse({}),
  defaultSize: { w: 6, h: 10 },

  buildQueries(ctx) {
    return { peaks: peaksQuery(ctx) };
  },

  toTable(results, ctx) {
    return peakRows(results.peaks, ctx);
  },

  toChartOption(table: WidgetTable, options) {
    const subject = columnIndex(table.columns, 'subject_id');
    const arm = columnIndex(table.columns, 'arm');
    const quadrant = columnIndex(table.columns, 'quadrant');
    const xs = table.rows.map((row) => toNumber(row[columnIndex(table.columns, 'x')]) ?? 0);
    const ys = table.rows.map((row) => toNumber(row[columnIndex(table.columns, 'y')]) ?? 0);
    const xRange = logRange(xs, 0.1, 10);
    const yRange = logRange(ys, 0.1, 10);
    const arms = armsOf(table, options);

    const series: ScatterSeriesOption[] = arms.map((name, i) => ({
      type: 'scatter',
      name,
      symbolSize: 7,
      itemStyle: { opacity: 0.75 },
      emphasis: { focus: 'series' },
      data: table.rows.flatMap((row, r) =>
        displayLabel(row[arm]) === name
          ? [
              {
                name: String(row[subject]),
                value: [xs[r] ?? 0, ys[r] ?? 0],
                point: { subject_id: row[subject] as string },
                ...(row[quadrant] === QUADRANTS.hysLaw ? { symbol: 'diamond', symbolSize: 10 } : {}),
              },
            ]
          : [],
      ),
      ...(i === 0
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              lineStyle: { color: THRESHOLD, type: 'dashed' as const, width: 1 },
              label: { fontFamily: FONT_FAMILY, fontSize: 10, color: THRESHOLD },
              data: [
                {
                  xAxis: TRANSAMINASE_LIMIT,
                  label: { formatter: `${TRANSAMINASE_LIMIT}×ULN`, position: 'end' as const },
                },
                { yAxis: BILIRUBIN_LIMIT, label: { formatter: `${BILIRUBIN_LIMIT}×ULN`, position: 'end' as const } },
              ],
            },
          }
        : {}),
    }));

    return chartOption({
      color: [...PALETTE],
      grid: { left: 12, right: 48, top: 56, bottom: 36, containLabel: true },
      legend: { ...legend(arms.length > 0), data: arms },
      tooltip: tooltip('item'),
      xAxis: logAxis(xLabel(options), xRange, 'middle'),
      yAxis: logAxis('Peak total bilirubin (× ULN)', yRange, 'end'),
      series: [...series, quadrantLabels(xRange, yRange)],
    });
  },
};
