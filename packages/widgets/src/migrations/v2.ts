import { FIELDS } from '../fields.ts';

/**
 * v1 → v2: dashboard filters become definitions.
 *
 * v1 listed the filter fields only:
 *   { "schemaVersion": 1, "filters": ["arm", "age"], "pages": [...] }
 * v2 gives each filter an id, a label and the control it uses:
 *   { "schemaVersion": 2, "filters": [
 *       { "id": "arm", "field": "arm", "label": "Treatment arm", "kind": "multi" },
 *       { "id": "age", "field": "age", "label": "Age", "kind": "age-group" } ], "pages": [...] }
 * `age` becomes an age-group control, fields ending in `_date` a date range, anything else a
 * multi-select. Pages are unchanged.
 */
export function v2(doc: Record<string, unknown>): Record<string, unknown> {
  const filters = Array.isArray(doc.filters) ? doc.filters : [];
  return {
    ...doc,
    schemaVersion: 2,
    filters: filters
      .filter((f): f is string => typeof f === 'string')
      .map((field) => ({
        id: field,
        field,
        label: (FIELDS as Record<string, { label: string } | undefined>)[field]?.label ?? humanise(field),
        kind: field === 'age' ? 'age-group' : field.endsWith('_date') ? 'date-range' : 'multi',
      })),
  };
}

function humanise(field: string): string {
  const words = field.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
