import type { QuerySpec, WidgetColumn } from '@cdp/contracts';
import { FIELDS, type KnownField } from '../fields.ts';
import { baseSpec, maybeCol } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

/** The subject attributes a listing shows, in this order, when mapped. */
export const LISTING_FIELDS = [
  'subject_id',
  'site',
  'country',
  'arm',
  'sex',
  'age',
  'race',
  'ethnicity',
  'enrollment_date',
  'treatment_start',
  'population_flag',
] as const satisfies readonly KnownField[];

export interface ListingPage {
  offset: number;
  limit: number;
  /** A mapped field to sort by (then by subject); the subject id when absent or unmapped. */
  sortBy?: string;
  sortDir?: 'asc' | 'desc';
}

/**
 * One page of subjects: a row per subject with the mapped attributes, the total before paging.
 * The server's drill-down calls this with the clicked point and `drillFilters` in `ctx.filters`.
 */
export function listingSpec(ctx: WidgetContext<unknown>, page: ListingPage): QuerySpec {
  const shown = LISTING_FIELDS.flatMap((key) => {
    const ref = maybeCol(ctx, key);
    return ref ? [{ key, ref }] : [];
  });
  const sortKey = shown.some((f) => f.key === page.sortBy) ? (page.sortBy as string) : 'subject_id';
  const dir = page.sortDir ?? 'asc';
  return {
    ...baseSpec(ctx, { uses: shown.map((f) => f.ref) }),
    select: shown.map((f) => ({ column: f.ref, as: f.key })),
    distinct: true,
    orderBy:
      sortKey === 'subject_id'
        ? [{ key: 'subject_id', dir }]
        : [
            { key: sortKey, dir },
            { key: 'subject_id', dir: 'asc' },
          ],
    offset: page.offset,
    limit: page.limit,
    withTotal: true,
  };
}

/** The listing's columns for the fields a result has; each is a dimension, so a click filters on it. */
export function listingColumns(result: {
  columns: Array<{ name: string; type: WidgetColumn['type'] }>;
}): WidgetColumn[] {
  return result.columns.map((column) => {
    const known = (FIELDS as Record<string, { label: string } | undefined>)[column.name];
    return { name: column.name, label: known?.label ?? column.name, type: column.type, field: column.name };
  });
}
