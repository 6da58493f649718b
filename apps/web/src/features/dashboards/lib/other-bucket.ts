import type { WidgetColumn } from '@cdp/contracts';
import { seriesOf } from './chart-option.ts';

/** The name a bar chart's top N gives the rest (`OTHER_LABEL` in @cdp/widgets). */
const OTHER = 'Other';

interface Widget {
  type: string;
  options: Record<string, unknown>;
}

export interface OtherBucket {
  /** The chart without the "Other" bar. */
  option: Record<string, unknown>;
  /** What "Other" holds, in words, for under the chart. */
  note: string;
}

const isCategoryAxis = (axis: unknown): axis is { type: 'category'; data: unknown[] } =>
  typeof axis === 'object' &&
  axis !== null &&
  (axis as { type?: unknown }).type === 'category' &&
  Array.isArray((axis as { data?: unknown }).data);

const formatNumber = (value: unknown) =>
  typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(value ?? '–');

/**
 * A bar chart's "Other" (everything after its largest N, together) taken out of the bars and said
 * in words. Drawn at the same scale it dwarfed the named categories (the pilot's Most Frequent
 * Preferred Terms: 185 subjects with some other term against 57 for the largest term), and it is
 * not a category to compare with them: counted in subjects, it is each subject with any of the
 * other terms, once. The widget marks its items as standing for no single value (`point: null`);
 * a real category called "Other" keeps its bar. The numbers come from the answer's rows, as they
 * are, so the note and the table view agree; `merged`, the answer's count of the categories in
 * Other (`otherCategories`), says how many there are. Null when there is nothing to take out.
 */
export function otherBucket(
  widget: Widget,
  option: Record<string, unknown>,
  columns: WidgetColumn[],
  rows: unknown[][],
  merged?: number,
): OtherBucket | null {
  const topN = widget.options.topN;
  if (widget.type !== 'bar' || typeof topN !== 'number') return null;
  const axisKey = isCategoryAxis(option.yAxis) ? 'yAxis' : isCategoryAxis(option.xAxis) ? 'xAxis' : null;
  if (!axisKey) return null;
  const axis = option[axisKey] as { data: unknown[] };
  const at = axis.data.indexOf(OTHER);
  if (at < 0) return null;
  const series = seriesOf(option);
  const items = series.map((s) => (Array.isArray(s.data) ? s.data[at] : undefined));
  const standsForNone = (item: unknown) =>
    item === null || (typeof item === 'object' && item !== null && 'point' in item && item.point === null);
  if (!items.every(standsForNone)) return null;

  const c = columns.findIndex((col) => col.name === 'category');
  const s = columns.findIndex((col) => col.name === 'series');
  const v = columns.findIndex((col) => col.name === 'value');
  if (c < 0 || v < 0) return null;
  const measure = columns[v]?.label ?? 'Value';
  const other = rows.filter((row) => row[c] === OTHER);
  const subjects = measure === 'Subjects';
  const number = (row: unknown[] | undefined) => formatNumber(row?.[v]);
  const perSeries = other.map((row) => `${String(row[s] ?? '–')} ${number(row)}`).join(' · ');
  const single = subjects ? `${number(other[0])} subjects (each counted once)` : `${measure} ${number(other[0])}`;
  const values = s < 0 ? single : subjects ? `${perSeries} subjects` : `${measure}: ${perSeries}`;
  const held = merged === undefined ? '' : `${formatNumber(merged)} ${merged === 1 ? 'category' : 'categories'} `;
  const note = `Other (${held}after the top ${topN}), not drawn: ${values}`;

  const without = <T>(list: T[]) => list.filter((_, i) => i !== at);
  return {
    option: {
      ...option,
      [axisKey]: { ...axis, data: without(axis.data) },
      series: series.map((item) => (Array.isArray(item.data) ? { ...item, data: without(item.data) } : item)),
    },
    note,
  };
}
