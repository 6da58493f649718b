import { type ParsedQuerySpec, type QueryGroup, RESULT_COLUMN_TYPES, type ResultColumnType } from '@cdp/contracts';
import { quoteLiteral } from '@cdp/formats';
import type { StoreColumn } from '../dataset-store.ts';
import { QueryError } from '../query-error.ts';
import { filterConditions } from './compile-filter.ts';
import type { QueryScope, ResolvedColumn } from './query-scope.ts';
import { and, param, raw, type Sql, sql } from './sql.ts';

/** A column of the result: its output name, where the spec defined it, its type and its expression. */
export interface Output {
  name: string;
  at: string;
  type: ResultColumnType;
  expr: Sql;
}

type ParsedMeasure = ParsedQuerySpec['measures'][number];

export function resultType(column: StoreColumn): ResultColumnType {
  return (RESULT_COLUMN_TYPES as readonly string[]).includes(column.type)
    ? (column.type as ResultColumnType)
    : 'string';
}

function isNumber(column: StoreColumn): boolean {
  return column.type === 'number' || column.type === 'integer';
}

function describe(target: ResolvedColumn): string {
  return `${target.column.name} in ${target.source.name} is a ${target.column.type} column`;
}

/**
 * The start of the period holding each value. ISO-8601 text (SDTM `--DTC`) is read by its first 10
 * characters: a partial date ("2024-03") is no day, so it becomes null rather than a guessed one.
 */
function bucketed(target: ResolvedColumn, bucket: NonNullable<QueryGroup['bucket']>, at: string): Sql {
  const unit = raw(quoteLiteral(bucket));
  const { type } = target.column;
  if (type === 'date' || type === 'datetime') return sql`CAST(date_trunc(${unit}, ${target.sql}) AS DATE)`;
  if (type === 'string') return sql`CAST(date_trunc(${unit}, try_cast(left(${target.sql}, 10) AS DATE)) AS DATE)`;
  throw new QueryError(
    `${at}: a ${bucket} bucket needs a date, datetime or ISO-8601 text column; ${describe(target)}`,
    at,
  );
}

export function compileGroup(group: QueryGroup, scope: QueryScope, at: string): Output {
  const target = scope.column(group.column, `${at}.column`);
  const output = { name: group.as, at: `${at}.as` };
  if (group.bucket && group.binWidth !== undefined) {
    throw new QueryError(`${at}: a group takes a bucket or a binWidth, not both`, at);
  }
  if (group.bucket) return { ...output, type: 'date', expr: bucketed(target, group.bucket, `${at}.bucket`) };
  if (group.binWidth !== undefined) {
    if (!isNumber(target.column)) {
      throw new QueryError(`${at}.binWidth: bins need a number column; ${describe(target)}`, `${at}.binWidth`);
    }
    const width = group.binWidth;
    const low = sql`floor(${target.sql} / ${param(width)}) * ${param(width)}`;
    // Whole-number bins of an integer column stay integers (ages 60, 65… rather than 60.0, 65.0).
    if (target.column.type === 'integer' && Number.isInteger(width)) {
      return { ...output, type: 'integer', expr: sql`CAST(${low} AS BIGINT)` };
    }
    return { ...output, type: 'number', expr: low };
  }
  return { ...output, type: resultType(target.column), expr: target.sql };
}

const NUMERIC_AGGREGATES = { sum: 'sum', mean: 'avg', median: 'median', stddev: 'stddev_samp' } as const;

function aggregate(
  measure: ParsedMeasure,
  scope: QueryScope,
  at: string,
  conditions: Sql[],
): { type: ResultColumnType; expr: Sql } {
  const { op } = measure;
  if (op === 'percentile' ? measure.p === undefined : measure.p !== undefined) {
    const message = op === 'percentile' ? 'percentile needs p, between 0 and 1' : `p is only for percentile, not ${op}`;
    throw new QueryError(`${at}.p: ${message}`, `${at}.p`);
  }
  if (!measure.column) {
    if (op === 'count') return { type: 'integer', expr: raw('count(*)') };
    throw new QueryError(`${at}.column: the measure "${measure.as}" (${op}) needs a column`, `${at}.column`);
  }
  const target = measure.per
    ? ratio(scope.column(measure.column, `${at}.column`), scope.column(measure.per, `${at}.per`), measure, at)
    : scope.column(measure.column, `${at}.column`);
  const column = target.sql;
  switch (op) {
    case 'count':
      return { type: 'integer', expr: sql`count(${column})` };
    case 'count_distinct':
      return { type: 'integer', expr: sql`count(DISTINCT ${column})` };
    case 'min':
    case 'max':
      return { type: resultType(target.column), expr: sql`${raw(op)}(${column})` };
  }
  if (!isNumber(target.column)) {
    throw new QueryError(
      `${at}.column: the measure "${measure.as}" is a ${op}, which needs a number column; ${describe(target)}`,
      `${at}.column`,
    );
  }
  if (op === 'whisker_low' || op === 'whisker_high' || op === 'outliers') return tukey(op, target, conditions);
  if (op === 'percentile') return { type: 'number', expr: sql`quantile_cont(${column}, ${param(measure.p ?? 0)})` };
  const type = op === 'sum' && target.column.type === 'integer' ? 'integer' : 'number';
  return { type, expr: sql`${raw(NUMERIC_AGGREGATES[op])}(${column})` };
}

/**
 * `column ÷ per` row by row, as a number column the aggregate then reads; a missing or zero
 * divisor gives null, which every aggregate skips.
 */
function ratio(target: ResolvedColumn, per: ResolvedColumn, measure: ParsedMeasure, at: string): ResolvedColumn {
  if (measure.op === 'count' || measure.op === 'count_distinct') {
    throw new QueryError(`${at}.per: ${measure.op} counts values; per is for numeric aggregates`, `${at}.per`);
  }
  for (const [side, where] of [
    [target, `${at}.column`],
    [per, `${at}.per`],
  ] as const) {
    if (!isNumber(side.column)) {
      throw new QueryError(`${where}: a ratio (per) needs number columns; ${describe(side)}`, where);
    }
  }
  return {
    column: { name: `${target.column.name}/${per.column.name}`, type: 'number' },
    source: target.source,
    sql: sql`(CAST(${target.sql} AS DOUBLE) / nullif(${per.sql}, 0))`,
  };
}

/** Most outliers `outliers` lists per group: a box plot draws points, not a table of every value. */
export const MAX_OUTLIERS = 200;

/**
 * Tukey's box-plot fences, per group: values beyond Q1 − 1.5 × IQR or Q3 + 1.5 × IQR are outliers;
 * each whisker ends at the most extreme value inside its fence. The lambda reads the group's own
 * quartiles (DuckDB lets a lambda use aggregates of the enclosing group). A measure's `where` goes
 * on each inner aggregate, since `FILTER` cannot wrap the list expression.
 */
function tukey(
  op: 'whisker_low' | 'whisker_high' | 'outliers',
  target: ResolvedColumn,
  conditions: Sql[],
): { type: ResultColumnType; expr: Sql } {
  const v = target.sql;
  const only = (aggregate: Sql) =>
    conditions.length === 0 ? aggregate : sql`${aggregate} FILTER (WHERE ${and(conditions)})`;
  const q1 = only(sql`quantile_cont(${v}, 0.25)`);
  const q3 = only(sql`quantile_cont(${v}, 0.75)`);
  const low = sql`(${q1} - 1.5 * (${q3} - ${q1}))`;
  const high = sql`(${q3} + 1.5 * (${q3} - ${q1}))`;
  const values = only(sql`list(${v})`);
  const type = resultType(target.column);
  if (op === 'whisker_low') return { type, expr: sql`list_min(list_filter(${values}, x -> x >= ${low}))` };
  if (op === 'whisker_high') return { type, expr: sql`list_max(list_filter(${values}, x -> x <= ${high}))` };
  const beyond = sql`list_sort(list_filter(${values}, x -> x < ${low} OR x > ${high}))`;
  return {
    type: 'string',
    expr: sql`nullif(array_to_string(list_slice(${beyond}, 1, ${raw(String(MAX_OUTLIERS))}), ', '), '')`,
  };
}

const TUKEY = new Set(['whisker_low', 'whisker_high', 'outliers']);

/** An aggregate; its own `where` becomes `FILTER (WHERE …)`, so measures over different rows share one scan. */
export function compileMeasure(measure: ParsedMeasure, scope: QueryScope, at: string): Output {
  const conditions = filterConditions(measure.where, scope, `${at}.where`);
  const { type, expr } = aggregate(measure, scope, at, conditions);
  const filtered = conditions.length > 0 && !TUKEY.has(measure.op);
  return {
    name: measure.as,
    at: `${at}.as`,
    type,
    expr: filtered ? sql`${expr} FILTER (WHERE ${and(conditions)})` : expr,
  };
}
