import { chartOption, PALETTE, TEXT_COLORS, tooltip } from '../format.ts';
import { type KriOptions, kriSiteRisk } from '../kri-site-risk/index.ts';
import { KRI_IDS, KRIS } from '../kri-site-risk/kris.ts';
import type { Flag } from '../kri-site-risk/score.ts';
import { records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetType } from '../types.ts';

const FLAG_COLORS: Record<Flag | 'None', string> = {
  Red: '#dc2626',
  Amber: '#f59e0b',
  Green: PALETTE[0] ?? '#0d9488',
  None: '#94a3b8',
};

/**
 * The same KRIs as a chart: one row per KRI, each site a dot at its score, coloured by its flag,
 * with the amber and red thresholds drawn. A dot drills to its site's subjects.
 */
export const kriSiteChart: WidgetType<KriOptions> = {
  ...kriSiteRisk,
  type: 'kri-site-chart',
  name: 'Site risk scores (KRIs)',
  description: "Each site's KRI scores against the study as dots by flag, with the amber and red thresholds.",
  category: 'chart',
  defaultSize: { w: 12, h: 9 },
  toChartOption(table, options) {
    const rows = records(table);
    // A KRI with words instead of rates (the query rate before any query, or with subject ids
    // masked) keeps its row, labelled with the words, and has no dots.
    const worded = (id: string) =>
      table.columns.some((c) => c.name === `${id}_value` && c.type === 'string') &&
      !table.columns.some((c) => c.name === `${id}_score`);
    const kris = KRI_IDS.filter((id) => table.columns.some((c) => c.name === `${id}_score`) || worded(id));
    const labels = kris.map((id) => {
      const words = worded(id) ? rows.map((row) => row[`${id}_value`]).find((v) => typeof v === 'string') : undefined;
      return words ? `${KRIS[id].label}: ${String(words).toLowerCase()}` : KRIS[id].label;
    });
    const series = (['Red', 'Amber', 'Green', 'None'] as const)
      .map((flag) => ({
        name: flag === 'None' ? 'Not flagged (few subjects)' : flag,
        type: 'scatter' as const,
        symbolSize: 11,
        itemStyle: { color: FLAG_COLORS[flag], opacity: 0.85, borderColor: '#ffffff', borderWidth: 1 },
        label: {
          show: flag === 'Red',
          position: 'top' as const,
          formatter: '{b}',
          fontSize: 10,
          color: TEXT_COLORS.body,
        },
        data: kris.flatMap((id, k) =>
          rows.flatMap((row) => {
            const score = row[`${id}_score`];
            if (typeof score !== 'number') return [];
            const rowFlag = (row[`${id}_flag`] as Flag | null) ?? 'None';
            if (rowFlag !== flag) return [];
            const site = String(row.site ?? '');
            const value = row[`${id}_value`];
            return [
              {
                value: [score, k, typeof value === 'number' ? value : null],
                name: site,
                point: { site: textOrNull(row.site) },
              },
            ];
          }),
        ),
      }))
      .filter((s, i) => i === 0 || s.data.length > 0);
    const limits = [-options.red, -options.amber, options.amber, options.red];
    // Both red lines always in view, and every dot: the axis is symmetric around 0.
    const scores = series.flatMap((s) => s.data.map((d) => Math.abs(d.value[0] ?? 0)));
    const reach = Math.ceil(Math.max(options.red + 0.5, ...scores));
    return chartOption({
      tooltip: { ...tooltip('item'), formatter: 'Site {b}<br/>Score {@[0]}<br/>Value {@[2]}' },
      legend: { top: 0, icon: 'circle', itemWidth: 10, itemHeight: 10 },
      grid: { left: 8, right: 24, top: 40, bottom: 28, containLabel: true },
      xAxis: {
        type: 'value',
        name: 'Score (z)',
        min: -reach,
        max: reach,
        nameLocation: 'middle',
        nameGap: 24,
        splitLine: { lineStyle: { color: '#eef2f6' } },
      },
      yAxis: { type: 'category', data: labels, inverse: true, axisTick: { show: false } },
      series: series.map((s, i) =>
        i === 0
          ? {
              ...s,
              markLine: {
                silent: true,
                symbol: 'none',
                label: { show: false },
                data: limits.map((x) => ({
                  xAxis: x,
                  lineStyle: {
                    color: Math.abs(x) === options.red ? FLAG_COLORS.Red : FLAG_COLORS.Amber,
                    type: 'dashed',
                    width: 1,
                  },
                })),
              },
            }
          : s,
      ),
    });
  },
};
