import type { LineSeriesOption, ScatterSeriesOption } from 'echarts';
import {
  chartOption,
  columnIndex,
  FONT_FAMILY,
  legend,
  PALETTE,
  TEXT_COLORS,
  toNumber,
  tooltip,
  valueAxis,
} from '../format.ts';
import type { WidgetTable } from '../types.ts';
import type { KaplanMeierOptions } from './index.ts';

const SECTION_CURVE = 'Survival estimate';
const SECTION_AT_RISK = 'Number at risk';
/** Room on the left for the risk table's arm names; both grids share it so their time axes line up. */
const LEFT = 150;
const RISK_ROW = 18;

/**
 * Step curves per arm (survival just after each time), the 95% band as a shaded step area, a tick
 * at each censoring, and under the plot the number at risk at regular times (a second grid sharing
 * the time axis), so a PDF or PowerPoint export carries the risk table too. The log-rank result
 * (the table's note) is written on the risk table's heading line, on the right.
 */
export function kaplanMeierChart(table: WidgetTable, options: KaplanMeierOptions): Record<string, unknown> {
  const c = (name: string) => columnIndex(table.columns, name);
  const [section, armAt, timeAt, atRiskAt, censoredAt, estimateAt, lowAt, highAt] = [
    'section',
    'arm',
    'time',
    'at_risk',
    'censored',
    'estimate',
    'ci_low',
    'ci_high',
  ].map(c) as [number, number, number, number, number, number, number, number];
  const curveRows = table.rows.filter((row) => row[section] === SECTION_CURVE);
  const riskRows = table.rows.filter((row) => row[section] === SECTION_AT_RISK);
  const arms = [...new Set(curveRows.map((row) => String(row[armAt])))];
  const maxTime = Math.max(0, ...curveRows.map((row) => toNumber(row[timeAt]) ?? 0));
  const riskTimes = [...new Set(riskRows.map((row) => toNumber(row[timeAt]) ?? 0))];
  const axisMax = Math.max(maxTime, ...riskTimes);

  const series: Array<LineSeriesOption | ScatterSeriesOption> = [];
  arms.forEach((arm, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const rows = curveRows.filter((row) => String(row[armAt]) === arm);
    const at = (row: unknown[], k: number) => toNumber(row[k]);
    series.push({
      type: 'line',
      name: arm,
      step: 'end',
      showSymbol: false,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      data: rows.map((row) => [at(row, timeAt), at(row, estimateAt)]),
    });
    if (options.confidenceBands) {
      // A band as two stacked step areas: the lower limit (invisible) and the width above it.
      const stack = `band-${i}`;
      const banded = rows.filter((row) => at(row, lowAt) !== null && at(row, highAt) !== null);
      series.push(
        {
          type: 'line',
          name: arm,
          step: 'end',
          stack,
          silent: true,
          showSymbol: false,
          lineStyle: { opacity: 0 },
          tooltip: { show: false },
          data: banded.map((row) => [at(row, timeAt), at(row, lowAt)]),
        },
        {
          type: 'line',
          name: arm,
          step: 'end',
          stack,
          silent: true,
          showSymbol: false,
          lineStyle: { opacity: 0 },
          areaStyle: { color, opacity: 0.14 },
          tooltip: { show: false },
          data: banded.map((row) => [at(row, timeAt), (at(row, highAt) ?? 0) - (at(row, lowAt) ?? 0)]),
        },
      );
    }
    series.push({
      type: 'scatter',
      name: arm,
      symbol: 'rect',
      symbolSize: [1.5, 9],
      itemStyle: { color },
      data: rows.filter((row) => (at(row, censoredAt) ?? 0) > 0).map((row) => [at(row, timeAt), at(row, estimateAt)]),
    });
    series.push({
      type: 'scatter',
      name: arm,
      xAxisIndex: 1,
      yAxisIndex: 1,
      symbolSize: 0,
      silent: true,
      tooltip: { show: false },
      label: { show: true, position: 'inside', color, fontSize: 11, fontFamily: FONT_FAMILY },
      data: riskRows
        .filter((row) => String(row[armAt]) === arm)
        .map((row) => ({
          value: [toNumber(row[timeAt]), arm],
          label: { formatter: String(toNumber(row[atRiskAt]) ?? '') },
        })),
    });
  });

  const riskHeight = RISK_ROW * Math.max(1, arms.length);
  const logRank = (table.notes ?? []).find((note) => note.startsWith('Log-rank test:'));
  const timeName = options.timeUnit ? `Time (${options.timeUnit})` : 'Time';
  const timeAxis = (index: number) => ({
    ...valueAxis(index === 0 ? timeName : undefined),
    gridIndex: index,
    min: 0,
    max: axisMax,
    ...(riskTimes.length > 1 ? { interval: (riskTimes[1] as number) - (riskTimes[0] as number) } : {}),
    ...(index === 0
      ? { nameLocation: 'middle' as const, nameGap: 26, splitLine: { show: false } }
      : { axisLabel: { show: false }, axisLine: { show: false }, splitLine: { show: false } }),
  });
  return chartOption({
    legend: { ...legend(arms.length > 1), data: arms },
    tooltip: tooltip('item'),
    grid: [
      { left: LEFT, right: 24, top: 52, bottom: riskHeight + 72 },
      { left: LEFT, right: 24, bottom: 8, height: riskHeight },
    ],
    xAxis: [timeAxis(0), timeAxis(1)],
    yAxis: [
      { ...valueAxis('Survival probability'), gridIndex: 0, min: 0, max: 1 },
      {
        type: 'category',
        gridIndex: 1,
        data: arms,
        inverse: true,
        axisLine: { show: false },
        axisTick: { show: false },
        axisLabel: {
          color: TEXT_COLORS.label,
          fontSize: 11,
          fontFamily: FONT_FAMILY,
          // Clear of the first count, which is centred on time 0.
          margin: 22,
          width: LEFT - 30,
          overflow: 'truncate',
        },
      },
    ],
    graphic: [
      {
        type: 'text' as const,
        left: 8,
        bottom: riskHeight + 14,
        style: { text: 'Number at risk', fill: TEXT_COLORS.label, font: `600 11px ${FONT_FAMILY}` },
      },
      ...(logRank
        ? [
            {
              // On the risk table's heading line, clear of the curves at any width.
              type: 'text' as const,
              right: 24,
              bottom: riskHeight + 14,
              style: { text: logRank.replace(/\.$/, ''), fill: TEXT_COLORS.body, font: `11px ${FONT_FAMILY}` },
            },
          ]
        : []),
    ],
    series,
  });
}
