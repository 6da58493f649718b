import { AppliedFilter, type DashboardFilterDef, type WidgetDefinition } from '@cdp/contracts';
import { z } from 'zod';
import type { DrillPoint } from '../api/dashboards-api.ts';

/**
 * The filters a dashboard view has applied, as kept in the URL (`?f=`). One filter per field: a
 * filter-bar control and a click on a chart edit the same entry. `src` marks a cross-filter made by
 * clicking a widget; that widget is not filtered by it, so it keeps showing every bar and a second
 * click can take the value out again.
 */
export const ViewFilter = AppliedFilter.extend({
  src: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
export type ViewFilter = z.infer<typeof ViewFilter>;

type Scalar = string | number | boolean | null;

export function parseViewFilters(raw: unknown): ViewFilter[] {
  if (!Array.isArray(raw)) return [];
  const byField = new Map<string, ViewFilter>();
  for (const item of raw.slice(0, 30)) {
    const parsed = ViewFilter.safeParse(item);
    if (parsed.success) byField.set(parsed.data.field, parsed.data);
  }
  return [...byField.values()];
}

/** Replaces (or, with `null`, removes) the filter on `field`. */
export function setFilter(filters: readonly ViewFilter[], field: string, next: ViewFilter | null): ViewFilter[] {
  const rest = filters.filter((f) => f.field !== field);
  return next ? [...rest, next] : rest;
}

/** The values an `eq`/`in` filter keeps; none for a range. */
export function filterValuesOf(filter: ViewFilter | undefined): Scalar[] {
  if (!filter) return [];
  if (filter.op === 'in' && Array.isArray(filter.value)) return filter.value;
  if (filter.op === 'eq' && filter.value !== undefined && !Array.isArray(filter.value)) return [filter.value];
  return [];
}

/**
 * A click on a bar, slice or row: each of the point's fields gets the clicked value added to its
 * `in` filter, or, when every value is already in, taken out (a second click undoes the first).
 * A field the dashboard already filters from elsewhere (the filter bar, another chart) to values
 * that include the clicked one is left alone: the click narrows by its other fields and never takes
 * over, or removes, a filter it did not make ("Placebo" set in the bar, then a click on the
 * "Gastrointestinal disorders · Placebo" bar adds the body system and keeps the arm filter).
 */
export function togglePoint(filters: readonly ViewFilter[], point: DrillPoint, widgetId: string): ViewFilter[] {
  const byField = new Map(filters.map((f) => [f.field, f]));
  const entries = Object.entries(point).filter(([field, value]) => {
    const current = byField.get(field);
    return !current || current.src === widgetId || !filterValuesOf(current).some((v) => v === value);
  });
  if (entries.length === 0) return [...filters];
  const allIn = entries.every(([field, value]) => filterValuesOf(byField.get(field)).some((v) => v === value));
  let next = [...filters];
  for (const [field, value] of entries) {
    const current = filterValuesOf(byField.get(field));
    const values = allIn ? current.filter((v) => v !== value) : current.includes(value) ? current : [...current, value];
    next = setFilter(next, field, values.length ? { field, op: 'in', value: values, src: widgetId } : null);
  }
  return next;
}

/** What the API gets for one widget: every filter except the cross-filters that widget made. */
export function filtersForWidget(filters: readonly ViewFilter[], widgetId: string): AppliedFilter[] {
  return filters.filter((f) => f.src !== widgetId).map(({ field, op, value }) => ({ field, op, value }));
}

/** Fixed age bands (integer ages, as CDISC AGE is): each becomes a `between` filter. */
export const AGE_BANDS = [
  { label: '<65', value: [null, 64] },
  { label: '65–80', value: [65, 80] },
  { label: '>80', value: [81, null] },
] as const satisfies ReadonlyArray<{ label: string; value: [number | null, number | null] }>;

export function ageBandOf(filter: ViewFilter | undefined) {
  if (filter?.op !== 'between' || !Array.isArray(filter.value)) return undefined;
  const [low, high] = filter.value;
  return AGE_BANDS.find((band) => band.value[0] === (low ?? null) && band.value[1] === (high ?? null));
}

/** A `between` filter's ends, for the range and date controls. */
export function rangeOf(filter: ViewFilter | undefined): [Scalar, Scalar] {
  if (filter?.op !== 'between' || !Array.isArray(filter.value)) return [null, null];
  return [filter.value[0] ?? null, filter.value[1] ?? null];
}

export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(missing)';
  if (typeof value === 'number') return value.toLocaleString();
  return String(value);
}

/** "Placebo, Xanomeline High Dose" / "65–80" / "from 2024-01-01" for a chip. */
export function describeValue(filter: ViewFilter): string {
  const band = ageBandOf(filter);
  if (band) return band.label;
  if (filter.op === 'between') {
    const [low, high] = rangeOf(filter);
    if (low !== null && high !== null) return `${valueText(low)} – ${valueText(high)}`;
    if (low !== null) return `≥ ${valueText(low)}`;
    return `≤ ${valueText(high)}`;
  }
  if (filter.op === 'ge') return `≥ ${valueText(filter.value)}`;
  if (filter.op === 'le') return `≤ ${valueText(filter.value)}`;
  const values = filterValuesOf(filter);
  if (values.length > 3) return `${values.slice(0, 2).map(valueText).join(', ')} +${values.length - 2}`;
  return values.map(valueText).join(', ');
}

/** The filter-bar definition that edits `field`, if there is one. */
export function defFor(defs: readonly DashboardFilterDef[], field: string): DashboardFilterDef | undefined {
  return defs.find((def) => def.field === field);
}

/** Fields generic widgets are bound through (a bar's `category`): they mean a different column in each widget. */
const GENERIC_FIELDS = new Set(['category', 'series', 'value', 'x', 'y', 'date', 'row_group', 'column_group']);

/**
 * A clicked point as a dashboard-wide cross-filter. A generic field only means something inside
 * its widget (one bar's `category` is the body system, another's the site), so it is renamed to
 * the clinical field the widget maps to the same column (`category` → `ae_body_system`); a
 * generic field without one is left out rather than filter other widgets by the wrong column.
 */
export function crossFilterPoint(widget: WidgetDefinition, point: DrillPoint): DrillPoint {
  const { mapping } = widget.data;
  const out: DrillPoint = {};
  for (const [field, value] of Object.entries(point)) {
    if (!GENERIC_FIELDS.has(field)) {
      out[field] = value;
      continue;
    }
    const column = mapping[field];
    const alias = Object.keys(mapping).find(
      (f) => !GENERIC_FIELDS.has(f) && f !== 'subject_id' && mapping[f] === column,
    );
    if (column && alias && !(alias in out)) out[alias] = value;
  }
  return out;
}

/**
 * Which of a widget's points its own cross-filters select. A filter on `ae_body_system` made by
 * clicking a bar also matches the bar's `category` when the widget maps both to the same column.
 */
export function widgetSelection(
  widget: WidgetDefinition,
  filters: readonly ViewFilter[],
  widgetId: string,
): ((point: Record<string, unknown>) => boolean | null) | undefined {
  const { mapping } = widget.data;
  const entries = filters
    .filter((f) => f.src === widgetId)
    .map((f) => ({
      fields: [
        f.field,
        ...Object.keys(mapping).filter((g) => g !== f.field && mapping[f.field] && mapping[g] === mapping[f.field]),
      ],
      values: filterValuesOf(f) as unknown[],
    }));
  if (entries.length === 0) return undefined;
  return (point) => {
    let said = false;
    for (const { fields, values } of entries) {
      const field = fields.find((k) => k in point);
      if (field === undefined) continue;
      said = true;
      if (!values.includes(point[field])) return false;
    }
    return said ? true : null;
  };
}
