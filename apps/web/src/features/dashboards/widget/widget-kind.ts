import type { WidgetDataResponse, WidgetTypeInfo } from '@cdp/contracts';
import { seriesOf, usesMap } from '../lib/chart-option.ts';

export type WidgetKind = 'metric' | 'chart' | 'table' | 'map' | 'flow';

/**
 * How a widget is drawn. The answer decides (a headline, an ECharts option or rows only); before
 * it arrives the type's category shapes the loading skeleton.
 */
export function widgetKind(category: WidgetTypeInfo['category'] | undefined, data?: WidgetDataResponse): WidgetKind {
  if (data) {
    if (data.metric) return 'metric';
    if (data.chart) {
      if (usesMap(data.chart)) return 'map';
      return seriesOf(data.chart).some((s) => s.type === 'sankey' || s.type === 'graph') ? 'flow' : 'chart';
    }
    return 'table';
  }
  if (category === 'metric' || category === 'map' || category === 'flow' || category === 'table') return category;
  // Clinical widgets are summary tables (demographics, AE incidence) unless their answer says otherwise.
  return category === 'clinical' ? 'table' : 'chart';
}

/** Whether the answer has nothing to show: no rows, and no headline value. */
export function isEmptyAnswer(data: WidgetDataResponse): boolean {
  if (data.metric) return data.metric.value === null && data.rows.length === 0;
  return data.rows.length === 0;
}
