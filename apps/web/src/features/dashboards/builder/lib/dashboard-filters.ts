import type { DashboardDocument, DashboardFilterDef } from '@cdp/contracts';

/** Fields that say how a chart is drawn, not what a subject or event is: no use as a dashboard filter. */
const NOT_FILTERS = new Set(['subject_id', 'category', 'series', 'value', 'x', 'y', 'row_group', 'column_group']);

/** The control a field gets by default: age groups for age, a date range for dates, values otherwise. */
export function defaultKind(field: string): DashboardFilterDef['kind'] {
  if (field === 'age') return 'age-group';
  if (field === 'date' || field.endsWith('_date')) return 'date-range';
  return 'multi';
}

/** Every field some widget of the dashboard maps: those are the fields a filter can act on. */
export function mappedFields(document: DashboardDocument): string[] {
  const fields = new Set<string>();
  for (const page of document.pages) {
    for (const widget of Object.values(page.widgets)) {
      for (const field of Object.keys(widget.data.mapping)) if (!NOT_FILTERS.has(field)) fields.add(field);
    }
  }
  return [...fields].sort();
}
