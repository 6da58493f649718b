import type { ColumnRef, QueryExists, QueryFilter, QueryJoin, QuerySpec } from '@cdp/contracts';
import type { WidgetContext } from './types.ts';

/** A widget was asked to build a query without a field it needs (the server validates mappings first). */
export class WidgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WidgetError';
  }
}

/** The column mapped to `field`; throws when the field is not mapped. */
export function col(ctx: WidgetContext<unknown>, field: string): ColumnRef {
  const ref = ctx.fields[field];
  if (!ref) throw new WidgetError(`the field "${field}" is not mapped`);
  return ref;
}

/** The column mapped to `field`, or undefined. */
export function maybeCol(ctx: WidgetContext<unknown>, field: string): ColumnRef | undefined {
  return ctx.fields[field];
}

/** The subject id column of `dataset` (the same column name as the mapped `subject_id`). */
export function subjectOf(ctx: WidgetContext<unknown>, dataset: string): ColumnRef {
  return { dataset, column: col(ctx, 'subject_id').column };
}

export interface BaseSpecOptions {
  /** Which dataset the rows come from: the widget's dataset (events) or the population (subjects). */
  from?: 'dataset' | 'population';
  /** Columns the query will group, measure or select: any not in `from` are joined on the subject id. */
  uses?: Array<ColumnRef | undefined>;
  /** Leave the dashboard and widget filters out (e.g. a "planned" series). */
  unfiltered?: boolean;
}

/**
 * The FROM, JOIN and WHERE part every widget query starts with:
 * - rows come from the widget's dataset (or its population);
 * - a column of another dataset in `uses` is joined (LEFT, on the subject id): use it only for
 *   one-row-per-subject datasets such as the population;
 * - filters on a column of a dataset in the query go in WHERE; on any other dataset they keep the
 *   rows of subjects who have a matching row there (semi-join), never multiplying rows;
 * - a query FROM the population gets only the filters on population columns, so event-level filters
 *   (a serious-AE filter, say) never shrink the denominators.
 */
export function baseSpec(ctx: WidgetContext<unknown>, options: BaseSpecOptions = {}): QuerySpec {
  const from = options.from === 'population' ? ctx.population : ctx.dataset;
  if (!from) throw new WidgetError('this widget needs a population dataset (DM or ADSL)');
  const inQuery = new Set([from.toUpperCase()]);
  const joins: QueryJoin[] = [];
  const join = (dataset: string) => {
    if (inQuery.has(dataset.toUpperCase())) return;
    inQuery.add(dataset.toUpperCase());
    joins.push({ dataset, kind: 'left', on: [{ left: subjectOf(ctx, from), right: col(ctx, 'subject_id').column }] });
  };
  for (const ref of options.uses ?? []) if (ref) join(ref.dataset);

  const where: QueryFilter[] = [];
  const exists: QueryExists[] = [];
  if (!options.unfiltered) {
    for (const filter of ctx.filters) {
      const dataset = filter.column.dataset.toUpperCase();
      if (inQuery.has(dataset)) where.push(filter);
      else if (options.from === 'population') continue;
      else if (ctx.population && dataset === ctx.population.toUpperCase()) {
        join(filter.column.dataset);
        where.push(filter);
      } else {
        const existing = exists.find((e) => e.dataset.toUpperCase() === dataset);
        if (existing) existing.where = [...(existing.where ?? []), filter];
        else
          exists.push({
            dataset: filter.column.dataset,
            on: [{ left: subjectOf(ctx, from), right: col(ctx, 'subject_id').column }],
            where: [filter],
          });
      }
    }
  }
  return { from, joins, where, exists };
}

/** `count_distinct` of the subject id in the query's FROM dataset. */
export function subjectCount(ctx: WidgetContext<unknown>, from: string, as = 'subjects') {
  return { op: 'count_distinct' as const, column: subjectOf(ctx, from), as };
}

/** A filter that keeps `column = value` (value null keeps missing values). */
export function equals(column: ColumnRef, value: unknown): QueryFilter {
  if (value === null || value === undefined) return { column, op: 'null' };
  return { column, op: 'eq', value: value as string | number | boolean };
}
