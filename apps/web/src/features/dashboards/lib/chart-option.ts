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

/** Average width of a character of the chart font at 12 px, for label width estimates. */
const CHAR_PX = 6.8;

/** A scatter series with more points than this is drawn in ECharts' large mode on screen. */
export const LARGE_SCATTER_POINTS = 500;

const styledItem = (item: unknown) => typeof item === 'object' && item !== null && 'itemStyle' in item;

/**
 * Scatter series with many points (a box plot's outliers: 2,622 on the 1,000,000-row LB study's ALT
 * by visit) drawn in ECharts' large mode: one path for all the symbols instead of an element each,
 * which made that one chart the last of the Overview to be drawn. Hover and tooltips still find the
 * point under the pointer; what large mode gives up is a style per item, so a series with any (a
 * cross-filter's faded points) is left as it is.
 */
export function largeScatter(option: Record<string, unknown>): Record<string, unknown> {
  const series = seriesOf(option);
  const large = (s: Record<string, unknown>) =>
    s.type === 'scatter' && Array.isArray(s.data) && s.data.length > LARGE_SCATTER_POINTS && !s.data.some(styledItem);
  if (!series.some(large)) return option;
  return {
    ...option,
    series: series.map((s) => (large(s) ? { ...s, large: true, largeThreshold: LARGE_SCATTER_POINTS } : s)),
  };
}

/** Legend metrics of `legend()` in @cdp/widgets: icon, gap to the text, gap between items, padding. */
const LEGEND = { icon: 10, textGap: 5, itemGap: 10, padding: 5, row: 24, maxRows: 3 };

/** The names a legend lists: its own `data`, else its series' names, a pie's being its slices'. */
function legendNames(option: Record<string, unknown>, legend: Record<string, unknown>): string[] {
  const named = (item: unknown) =>
    typeof item === 'string' ? item : String((item as { name?: unknown } | null)?.name ?? '');
  if (Array.isArray(legend.data)) return legend.data.map(named);
  return seriesOf(option).flatMap((s) => (s.type === 'pie' && Array.isArray(s.data) ? s.data.map(named) : [named(s)]));
}

/**
 * A cartesian chart's legend fitted to the width it is drawn at. ECharts' scroll legend cuts the
 * item that does not fit in the middle of its name ("Xa" beside the pager, at 1024 px with the pilot's
 * three arms): when the items fit on two or three lines, the legend wraps instead and the plot
 * moves down by the lines added. More items than that keep paging.
 */
export function fitLegend(option: Record<string, unknown>, width: number): Record<string, unknown> {
  const legend = option.legend as Record<string, unknown> | undefined;
  const grid = option.grid as Record<string, unknown> | undefined;
  if (width <= 0 || !legend || legend.show === false || legend.type !== 'scroll' || legend.orient === 'vertical')
    return option;
  if (!grid || Array.isArray(grid) || typeof grid.top !== 'number') return option;
  const room = width - 2 * LEGEND.padding;
  let rows = 1;
  let used = 0;
  for (const name of legendNames(option, legend).filter(Boolean)) {
    const item = LEGEND.icon + LEGEND.textGap + name.length * CHAR_PX;
    if (used > 0 && used + LEGEND.itemGap + item > room) {
      rows += 1;
      used = item;
    } else {
      used += (used > 0 ? LEGEND.itemGap : 0) + item;
    }
  }
  if (rows === 1 || rows > LEGEND.maxRows) return option;
  return {
    ...option,
    legend: { ...legend, type: 'plain' },
    grid: { ...grid, top: grid.top + (rows - 1) * LEGEND.row },
  };
}

/** Average width of a character of a pie's 11 px labels, and what a label needs besides its text. */
const PIE_CHAR_PX = 6.4;
const PIE_LABEL_EXTRA_PX = 34;

/**
 * A labelled pie made smaller where its box is too narrow for the longest word of a slice's name
 * beside it: ECharts breaks a label to the room left of the chart's edge, mid-word where one word
 * is longer ("COMPLETE" / "D" at 1024 px). The pie shrinks to at most 55 % of its size; past that
 * the word is broken rather than the pie lost. The widget cannot do this: it does not know its size.
 */
export function fitPieLabels(option: Record<string, unknown>, width: number, height: number): Record<string, unknown> {
  const series = seriesOf(option);
  const fits = (s: Record<string, unknown>) =>
    s.type === 'pie' && (s.label as { show?: unknown } | undefined)?.show === true && Array.isArray(s.radius);
  if (width <= 0 || height <= 0 || !series.some(fits)) return option;
  const fitted = series.map((s) => {
    if (!fits(s) || !Array.isArray(s.data)) return s;
    const words = s.data.flatMap((item) => String((item as { name?: unknown }).name ?? '').split(/\s+/));
    const longest = Math.max(0, ...words.map((w) => w.length));
    const half = Math.min(width, height) / 2;
    const room = width / 2 - (longest * PIE_CHAR_PX + PIE_LABEL_EXTRA_PX);
    // Percentages of the box (what the pie widget gives); a radius in pixels is left alone.
    const radius = (s.radius as unknown[]).map((r) =>
      typeof r === 'string' && r.endsWith('%') ? Number.parseFloat(r) : r === 0 ? 0 : Number.NaN,
    );
    const outer = radius.at(-1) ?? 0;
    if (!radius.every(Number.isFinite) || outer <= 0 || (room / half) * 100 >= outer) return s;
    const scale = Math.max(0.55, (room / half) * (100 / outer));
    return { ...s, radius: radius.map((r) => `${Math.round(r * scale)}%`) };
  });
  return fitted.every((s, i) => s === series[i]) ? option : { ...option, series: fitted };
}
