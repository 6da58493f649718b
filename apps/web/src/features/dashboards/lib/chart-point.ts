import type { WidgetColumn } from '@cdp/contracts';
import type { DrillPoint } from '../api/dashboards-api.ts';

type Scalar = string | number | boolean | null;

/** The parts of an ECharts click event that identify what was clicked. */
export interface ClickedItem {
  name?: string;
  seriesName?: string;
  dataIndex?: number;
  dataType?: string;
  data?: unknown;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * A point a widget put on a data item itself (`{ value, point: { arm: "Placebo" } }`): exact, so it
 * wins. `point: null` says the item stands for no value to filter on (an "Other" slice).
 */
function embeddedPoint(data: unknown): DrillPoint | null | undefined {
  if (typeof data !== 'object' || data === null || !('point' in data)) return undefined;
  const { point } = data as { point: unknown };
  if (!point || typeof point !== 'object' || Array.isArray(point)) return null;
  const entries = Object.entries(point).filter(([, v]) => isScalar(v)) as [string, Scalar][];
  return entries.length ? Object.fromEntries(entries) : null;
}

/** The dimension values of one table row, keyed by field. */
export function rowPoint(columns: readonly WidgetColumn[], row: readonly unknown[]): DrillPoint {
  const point: DrillPoint = {};
  columns.forEach((column, index) => {
    const value = row[index];
    if (column.field && isScalar(value) && !(column.field in point)) point[column.field] = value;
  });
  return point;
}

/**
 * Maps a click on a chart back to the widget's rows: the values of the dimension columns (those
 * with a `field`) that the clicked item stands for. A `point` the widget put on the data item wins;
 * otherwise the category (`name`: a bar's axis label, a slice, a node) is looked up among the
 * dimension values, then the series (`seriesName`: the stack or group); then `name` as the label
 * of exactly one row. Labels the rows do not contain (a total) give no point: nothing is filtered.
 */
export function clickPoint(
  item: ClickedItem,
  columns: readonly WidgetColumn[],
  rows: readonly unknown[][],
): DrillPoint | null {
  const embedded = embeddedPoint(item.data);
  if (embedded !== undefined) return embedded;
  // A sankey link joins two nodes: it is not one value of one field.
  if (item.dataType === 'edge') return null;

  const dims = columns.flatMap((column, index) => (column.field ? [{ field: column.field, index }] : []));
  if (dims.length === 0) return null;
  const point: DrillPoint = {};
  const used = new Set<number>();
  for (const label of [item.name, item.seriesName]) {
    if (label === undefined || label === '') continue;
    for (const dim of dims) {
      if (used.has(dim.index)) continue;
      const row = rows.find(
        (r) => r[dim.index] !== null && r[dim.index] !== undefined && String(r[dim.index]) === label,
      );
      if (!row) continue;
      point[dim.field] = row[dim.index] as Scalar;
      used.add(dim.index);
      break;
    }
  }
  if (Object.keys(point).length) return point;
  // A name that is a row's label rather than its value (the map's "Germany" for the row of DEU).
  if (item.name) {
    const matches = rows.filter((row) => row.some((cell) => typeof cell === 'string' && cell === item.name));
    if (matches.length === 1 && matches[0]) {
      const byLabel = rowPoint(columns, matches[0]);
      if (Object.keys(byLabel).length) return byLabel;
    }
  }
  return null;
}

/** "Treatment arm: Placebo · Preferred term: NAUSEA", with labels from the columns. */
export function describePoint(point: DrillPoint, columns: readonly Pick<WidgetColumn, 'field' | 'label'>[]): string {
  return Object.entries(point)
    .map(([field, value]) => {
      const label = columns.find((c) => c.field === field)?.label ?? field;
      return `${label}: ${value === null || value === '' ? '(missing)' : String(value)}`;
    })
    .join(' · ');
}
