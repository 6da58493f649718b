/** The series of an ECharts option, whether given as one object or a list. */
export function seriesOf(option: Record<string, unknown>): Record<string, unknown>[] {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  return series.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
}

/** Whether an option draws on a map (a `map` series or a `geo` component). */
export function usesMap(option: Record<string, unknown>): boolean {
  return Boolean(option.geo) || seriesOf(option).some((s) => s.type === 'map');
}

/** Whether a point is among the selected ones: `null` when the selection says nothing about it. */
export type PointSelection = (point: Record<string, unknown>) => boolean | null;

/**
 * The option with the data items outside the selection faded, so the chart a cross-filter was
 * made on shows what is selected (it is not filtered by its own selection). Items carry their
 * `point` (the widgets put it there); items without one are left alone.
 */
export function fadeUnselected(option: Record<string, unknown>, selected: PointSelection): Record<string, unknown> {
  const fade = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const { point, itemStyle } = item as { point?: unknown; itemStyle?: Record<string, unknown> };
    if (typeof point !== 'object' || point === null || selected(point as Record<string, unknown>) !== false)
      return item;
    return { ...item, itemStyle: { ...itemStyle, opacity: 0.28 } };
  };
  const series = seriesOf(option).map((s) => (Array.isArray(s.data) ? { ...s, data: s.data.map(fade) } : s));
  return { ...option, series };
}
