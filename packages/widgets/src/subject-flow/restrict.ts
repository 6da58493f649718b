import type { QueryExists, QueryFilter, QueryJoin, QuerySpec } from '@cdp/contracts';
import { col, subjectOf } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

/**
 * Adds conditions to a spec that `baseSpec` started. A condition on a dataset already in the query
 * goes in WHERE; on the population (one row per subject) the population is joined first; on any
 * other dataset (DS, AE) the conditions become one semi-join per dataset, all of them on the same
 * row there ("a DS row with DSCAT = DISPOSITION EVENT and DSDECOD = ADVERSE EVENT"), so a
 * many-rows-per-subject dataset never multiplies the query's rows.
 */
export function restrict(ctx: WidgetContext<unknown>, spec: QuerySpec, filters: readonly QueryFilter[]): QuerySpec {
  const joins: QueryJoin[] = [...(spec.joins ?? [])];
  const where: QueryFilter[] = [...(spec.where ?? [])];
  const exists: QueryExists[] = [...(spec.exists ?? [])];
  const inQuery = new Set([spec.from, ...joins.map((join) => join.dataset)].map((name) => name.toUpperCase()));
  const semiJoins = new Map<string, QueryExists>();
  const on = [{ left: subjectOf(ctx, spec.from), right: col(ctx, 'subject_id').column }];
  for (const filter of filters) {
    const dataset = filter.column.dataset.toUpperCase();
    if (!inQuery.has(dataset) && dataset === ctx.population?.toUpperCase()) {
      joins.push({ dataset: filter.column.dataset, kind: 'left', on });
      inQuery.add(dataset);
    }
    if (inQuery.has(dataset)) {
      where.push(filter);
      continue;
    }
    const semiJoin = semiJoins.get(dataset);
    if (semiJoin) semiJoin.where = [...(semiJoin.where ?? []), filter];
    else semiJoins.set(dataset, { dataset: filter.column.dataset, on, where: [filter] });
  }
  return { ...spec, joins, where, exists: [...exists, ...semiJoins.values()] };
}

/**
 * One query counting subjects under each named set of conditions (`count(DISTINCT id) FILTER
 * (WHERE …)` per name), instead of one query per count: on the dashboard bench's Overview each
 * query costs DuckDB a few milliseconds whatever its size, and a filter change asks for all of
 * them. Only when every condition is on a row the query already reads (its dataset, or the
 * population, joined one row per subject): a condition on AE or DS rows needs a semi-join of its
 * own, and then this answers null and the counts stay separate queries.
 */
export function subjectCounts(
  ctx: WidgetContext<unknown>,
  spec: QuerySpec,
  counts: Record<string, readonly QueryFilter[]>,
): QuerySpec | null {
  const upper = (name: string) => name.toUpperCase();
  const joins: QueryJoin[] = [...(spec.joins ?? [])];
  const inQuery = new Set([spec.from, ...joins.map((join) => join.dataset)].map(upper));
  const population = ctx.population ? upper(ctx.population) : undefined;
  for (const filter of Object.values(counts).flat()) {
    const dataset = upper(filter.column.dataset);
    if (inQuery.has(dataset)) continue;
    if (dataset !== population) return null;
    joins.push({
      dataset: filter.column.dataset,
      kind: 'left',
      on: [{ left: subjectOf(ctx, spec.from), right: col(ctx, 'subject_id').column }],
    });
    inQuery.add(dataset);
  }
  return {
    ...spec,
    joins,
    measures: Object.entries(counts).map(([name, where]) => ({
      op: 'count_distinct' as const,
      column: subjectOf(ctx, spec.from),
      as: name,
      ...(where.length > 0 ? { where: [...where] } : {}),
    })),
  };
}
