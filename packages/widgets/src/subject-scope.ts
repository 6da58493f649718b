import type { ColumnRef, QueryExists, QueryFilter, QuerySpec } from '@cdp/contracts';
import { WidgetError } from './query-helpers.ts';
import type { DatasetLookup } from './resolve-widget.ts';

/** Where a dashboard field lives when a widget does not map it: a column and that dataset's subject id. */
export interface FieldSource {
  ref: ColumnRef;
  subject?: string;
}
export type FieldSources = (field: string) => FieldSource | null;

/**
 * "Subjects who have a row of `dataset` passing `where`": how a filter on a field of another
 * dataset (a clicked AE body system) restricts a widget that does not map it. Unlike a widget's
 * own event filters, this restricts every query of the widget, denominators included: the
 * reader narrowed the subjects, not the events.
 */
export interface SubjectScope {
  dataset: string;
  /** The subject id column of `dataset`. */
  subject: string;
  where: QueryFilter[];
}

/** Adds `filter` to the scope of its dataset: filters on one dataset hold for the same row (one EXISTS). */
export function addToScope(scope: SubjectScope[], source: Required<FieldSource>, filter: Omit<QueryFilter, 'column'>) {
  const where: QueryFilter = { column: source.ref, op: filter.op, value: filter.value };
  const existing = scope.find((s) => s.dataset.toUpperCase() === source.ref.dataset.toUpperCase());
  if (existing) existing.where.push(where);
  else scope.push({ dataset: source.ref.dataset, subject: source.subject, where: [where] });
}

/**
 * A set of subjects a reader keeps (`in`) or leaves out (`not_in`), decided outside the data (the
 * subjects they have reviewed): it restricts every query of a widget with a subject id.
 */
export interface SubjectSet {
  keep: 'in' | 'not_in';
  ids: readonly string[];
}

/**
 * The spec restricted to the scope's subjects: one EXISTS per scoped dataset, joined on the
 * subject id of the spec's FROM dataset, and each subject set on that same column.
 * `subjectColumn` is the widget's subject id column name. A subject set on a spec whose FROM
 * dataset has no such column is an error (`WidgetError`): it must never be dropped silently.
 */
export function scopeSpec(
  version: DatasetLookup,
  spec: QuerySpec,
  scope: readonly SubjectScope[],
  subjectColumn: string,
  sets: readonly SubjectSet[] = [],
): QuerySpec {
  if (scope.length === 0 && sets.length === 0) return spec;
  const from = version(spec.from);
  const subject = from?.columns.find((c) => c.name.toUpperCase() === subjectColumn.toUpperCase());
  if (!from || !subject) {
    if (sets.length === 0) return spec;
    throw new WidgetError(
      `${spec.from} has no ${subjectColumn} column, so this widget cannot be narrowed to subjects.`,
    );
  }
  const column = { dataset: from.name, column: subject.name };
  const exists: QueryExists[] = scope.map((s) => ({
    dataset: s.dataset,
    on: [{ left: column, right: s.subject }],
    where: s.where,
  }));
  return {
    ...spec,
    exists: [...(spec.exists ?? []), ...exists],
    ...(sets.length > 0
      ? {
          subjectSets: [
            ...(spec.subjectSets ?? []),
            ...sets.map((set) => ({ column, keep: set.keep, ids: [...set.ids] })),
          ],
        }
      : {}),
  };
}

/**
 * A dashboard filter on a field the widget does not map, made to apply anyway when the widget has
 * a subject id and the field lives elsewhere in the dashboard: on a column of the widget's own
 * dataset or population it is an ordinary filter; on another dataset it joins the subject scope.
 * Returns false when it cannot apply (the widget has no subject id, or no widget maps the field).
 */
export function applyUnmappedFilter(
  target: { dataset: string; population?: string; subject?: ColumnRef; filters: QueryFilter[]; scope: SubjectScope[] },
  source: FieldSource | null,
  filter: Omit<QueryFilter, 'column'>,
): boolean {
  if (!target.subject || !source?.subject) return false;
  const dataset = source.ref.dataset.toUpperCase();
  const sameSubject = source.subject.toUpperCase() === target.subject.column.toUpperCase();
  const own = dataset === target.dataset.toUpperCase() || dataset === target.population?.toUpperCase();
  if (own && sameSubject) target.filters.push({ column: source.ref, op: filter.op, value: filter.value });
  else addToScope(target.scope, { ref: source.ref, subject: source.subject }, filter);
  return true;
}
