import type { ScatterSeriesOption } from 'echarts';
import {
  categoryAxis,
  chartOption,
  columnIndex,
  legend,
  PALETTE,
  TEXT_COLORS,
  toNumber,
  tooltip,
  valueAxis,
} from '../format.ts';
import type { WidgetTable } from '../types.ts';

/** Pixels for the preferred terms on the left. */
const LABELS = 108;

/**
 * The AE explorer as a chart (the layout of safetyGraphics' AE explorer and of CSR dot plots): the
 * preferred terms with the most subjects down the side; on the left, each arm's incidence (%) as a
 * dot; on the right, the risk difference with its 95% CI as a dot and a bar, with a line at zero.
 * Built from the table alone, so exports draw the same.
 */
export function aeExplorerChart(table: WidgetTable, maxTerms: number): Record<string, unknown> {
  const { columns } = table;
  const term = columnIndex(columns, 'ae_term');
  const armColumns = columns
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => /^arm\d+_pct$/.test(c.name))
    .map(({ c, i }) => ({
      index: i,
      n: columnIndex(columns, c.name.replace(/_pct$/, '_n')),
      name: c.label.replace(/: %$/, ''),
    }));
  const rd = columnIndex(columns, 'rd_pct');
  const rdLow = columnIndex(columns, 'rd_low_pct');
  const rdHigh = columnIndex(columns, 'rd_high_pct');

  const subjects = (row: unknown[]) => armColumns.reduce((sum, arm) => sum + (toNumber(row[arm.n]) ?? 0), 0);
  const terms = table.rows
    .filter((row) => row[term] !== null && row[term] !== undefined)
    .sort((a, b) => subjects(b) - subjects(a))
    .slice(0, maxTerms);
  const labels = terms.map((row) => String(row[term]));

  const dots: ScatterSeriesOption[] = armColumns.map((arm, i) => ({
    type: 'scatter',
    name: arm.name,
    xAxisIndex: 0,
    yAxisIndex: 0,
    symbolSize: 8,
    itemStyle: { color: PALETTE[i % PALETTE.length] },
    data: terms.map((row, k) => [toNumber(row[arm.index]), labels[k]]),
  }));
  const withDifference = rd >= 0;
  const forest: ScatterSeriesOption[] = withDifference
    ? [
        {
          type: 'scatter',
          name: columns[rd]?.label.replace(/: estimate$/, '') ?? 'Risk difference',
          xAxisIndex: 1,
          yAxisIndex: 1,
          symbol: 'diamond',
          symbolSize: 9,
          itemStyle: { color: TEXT_COLORS.strong },
          data: terms.map((row, k) => [toNumber(row[rd]), labels[k]]),
          markLine: {
            silent: true,
            symbol: 'none',
            label: { show: false },
            lineStyle: { color: TEXT_COLORS.muted, type: 'solid', width: 1.5 },
            data: [
              ...terms.flatMap((row, k) => {
                const low = toNumber(row[rdLow]);
                const high = toNumber(row[rdHigh]);
                return low === null || high === null
                  ? []
                  : [[{ coord: [low, labels[k]] }, { coord: [high, labels[k]] }] as unknown as never];
              }),
              { xAxis: 0, lineStyle: { type: 'dashed', color: '#94a3b8' } } as never,
            ],
          },
        },
      ]
    : [];

  const axis = categoryAxis(labels, undefined, 'down');
  const yAxis = (index: number) => ({
    ...axis,
    gridIndex: index,
    inverse: true,
    axisLabel:
      index === 1
        ? { show: false }
        : { ...(axis.axisLabel as object), width: LABELS - 12, overflow: 'truncate' as const },
  });
  return chartOption({
    legend: legend(true),
    tooltip: tooltip('item'),
    // Fixed room for the term names on the left (cut to fit), then the dots, then the forest plot:
    // proportions that keep both plots readable from a half-width widget on a phone up.
    grid: withDifference
      ? [
          { left: LABELS, right: '42%', top: 52, bottom: 40 },
          { left: '62%', right: 16, top: 52, bottom: 40 },
        ]
      : [{ left: LABELS, right: 16, top: 52, bottom: 40 }],
    xAxis: [
      { ...valueAxis('Subjects (%)'), gridIndex: 0, min: 0, splitNumber: 4, nameLocation: 'middle', nameGap: 24 },
      ...(withDifference
        ? [
            {
              ...valueAxis('Risk difference (%, 95% CI)'),
              gridIndex: 1,
              splitNumber: 4,
              nameLocation: 'middle' as const,
              nameGap: 24,
            },
          ]
        : []),
    ],
    yAxis: withDifference ? [yAxis(0), yAxis(1)] : [yAxis(0)],
    series: [...dots, ...forest],
  });
}
