import type { DashboardDocument } from '@cdp/contracts';
import type { FieldSource, FieldSources } from '@cdp/widgets';
import type { VersionData } from '../data/version-data.ts';
import { columnFor } from './filter-values.ts';

/**
 * The columns the dashboard's widgets map each field to (a population column first), so a filter
 * on a field one widget shows (AE body system) can reach widgets that do not show it.
 */
export function fieldSources(version: VersionData, document: DashboardDocument): FieldSources {
  const known = new Map<string, FieldSource | null>();
  return (field) => {
    if (!known.has(field)) known.set(field, columnFor(version, document, field));
    return known.get(field) ?? null;
  };
}
