import { type ParsedQuerySpec, type QueryGroup, RESULT_COLUMN_TYPES, type ResultColumnType } from '@cdp/contracts';
import { quoteLiteral } from '@cdp/formats';
import type { StoreColumn } from '../dataset-store.ts';
import { QueryError } from '../query-error.ts';
import { filterConditions } from './compile-filter.ts';
import { keyColumn, type QueryScope, type ResolvedColumn } from './query-scope.ts';
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
  if (op === 'count_distinct' && !measure.per) {
    // A column with an integer key (an in-memory copy's subject ids) counts its keys: the same
    // number, without hashing text.
    const key = scope.keyOf(measure.column, `${at}.column`);
    if (key) return { type: 'integer', expr: sql`count(DISTINCT ${key})` };
  }
  const target = measure.per
    ? ratio(scope.column(measure.column, `${at}.column`), scope.column(measure.per, `${at}.per`), measure, at)
    : scope.column(measure.column, `${at}.column`);
  const column = target.sql;
  switch (op) {
    case 'count':
      return { type: 'integer', expr: sql`count(${column})` };
    case 'count_distinct':
      // A column known to hold no repeated value (USUBJID of DM, one row per subject: the engine
      // checked the file) counts the same without DISTINCT, and far cheaper: no hash set per group.
      return { type: 'integer', expr: scope.isUnique(target) ? sql`count(${column})` : sql`count(DISTINCT ${column})` };
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

/** Whether the measures need the two-level box-plot form (`boxPlotMeasures`). */
export function hasTukey(measures: readonly ParsedMeasure[]): boolean {
  return measures.some((m) => TUKEY.has(m.op));
}

/** The measures as a grouped inner query's columns and the outer query's outputs reading them. */
export interface TwoLevelMeasures {
  /** `expr AS name` for the inner (grouped) select, after the groups. */
  inner: Sql[];
  /** The measures' outputs, reading the inner columns by name. */
  outputs: Output[];
}

/** Box-plot measures: two levels, and between them the Tukey fences per group (`boxPlotMeasures`). */
export interface BoxPlotMeasures extends TwoLevelMeasures {
  /** `expr AS name` over the inner columns, selected beside them before the outputs read them. */
  fences: Sql[];
}

/**
 * Box plots in one pass (issue 10): per group, the quartiles are ONE `quantile_cont(v, [0.25,
 * 0.75, …])` (each percentile of the same values reads it) and the values ONE `list(v)`; the outer
 * query then takes the fences from the quartiles and the whiskers and outliers from the list, after
 * the aggregation. The single-level form evaluated `quantile_cont` three times per group and the
 * list lambdas inside the aggregate; on the 1,026,129-row LB study's box plot by visit without a top
 * N this form spent ~15% less DuckDB CPU, measured beside it (docs/decisions.md, "Box-plot
 * statistics"). A box plot with a top N (ALT by Visit) is compiled by `topNParts` instead.
 * Measures other than percentiles and Tukey's are computed as before and passed through.
 *
 * The fences are columns of their own (`fences`), computed once per group between the two levels:
 * written inside the lambdas, DuckDB evaluated them once per list element (ALT by Visit's three
 * lambdas over 66,000 values: −15% of the query's CPU, docs/decisions.md). Same expressions, same
 * doubles, so the same comparisons.
 */
export function boxPlotMeasures(measures: readonly ParsedMeasure[], scope: QueryScope): BoxPlotMeasures {
  const inner: Sql[] = [];
  const fences: Sql[] = [];
  const outputs: Output[] = [];
  // One quantile list and one value list per measured values (column, per and where).
  const states = new Map<string, { name: string; ps: number[]; list: boolean }>();
  const stateKey = (m: ParsedMeasure) => JSON.stringify([m.column, m.per ?? null, m.where]);
  for (const m of measures) {
    if (!TUKEY.has(m.op)) continue;
    const key = stateKey(m);
    if (!states.has(key)) states.set(key, { name: `_s${states.size}`, ps: [0.25, 0.75], list: true });
  }
  // The median is DuckDB's `quantile_cont(v, 0.5)` (the same interpolation), so it reads the list too.
  const pOf = (m: ParsedMeasure) => (m.op === 'median' ? 0.5 : m.op === 'percentile' ? m.p : undefined);
  for (const m of measures) {
    const p = pOf(m);
    const state = p === undefined ? undefined : states.get(stateKey(m));
    if (state && p !== undefined && !state.ps.includes(p)) state.ps.push(p);
  }
  const made = new Set<string>();
  measures.forEach((m, i) => {
    const at = `measures[${i}]`;
    const key = stateKey(m);
    const state = TUKEY.has(m.op) || pOf(m) !== undefined ? states.get(key) : undefined;
    if (!state) {
      const compiled = compileMeasure(m, scope, at);
      const name = `_m${i}`;
      inner.push(sql`${compiled.expr} AS ${raw(name)}`);
      outputs.push({ ...compiled, expr: raw(name) });
      return;
    }
    // The checks and the type come from the single-level form, so errors and types stay as they were.
    const single = compileMeasure(m, scope, at);
    const q = (p: number) => raw(`${state.name}q[${state.ps.indexOf(p) + 1}]`);
    if (!made.has(key)) {
      made.add(key);
      const conditions = filterConditions(m.where, scope, `${at}.where`);
      const target = m.per
        ? ratio(
            scope.column(m.column as NonNullable<typeof m.column>, `${at}.column`),
            scope.column(m.per, `${at}.per`),
            m,
            at,
          )
        : scope.column(m.column as NonNullable<typeof m.column>, `${at}.column`);
      const only = (aggregate: Sql) =>
        conditions.length === 0 ? aggregate : sql`${aggregate} FILTER (WHERE ${and(conditions)})`;
      const ps = raw(`[${state.ps.map((p) => String(p)).join(', ')}]`);
      inner.push(sql`${only(sql`quantile_cont(${target.sql}, ${ps})`)} AS ${raw(`${state.name}q`)}`);
      inner.push(sql`${only(sql`list(${target.sql})`)} AS ${raw(`${state.name}l`)}`);
      fences.push(sql`(${q(0.25)} - 1.5 * (${q(0.75)} - ${q(0.25)})) AS ${raw(`${state.name}lo`)}`);
      fences.push(sql`(${q(0.75)} + 1.5 * (${q(0.75)} - ${q(0.25)})) AS ${raw(`${state.name}hi`)}`);
    }
    const values = raw(`${state.name}l`);
    const low = raw(`${state.name}lo`);
    const high = raw(`${state.name}hi`);
    let expr: Sql;
    const p = pOf(m);
    if (p !== undefined) expr = q(p);
    else if (m.op === 'whisker_low') expr = sql`list_min(list_filter(${values}, x -> x >= ${low}))`;
    else if (m.op === 'whisker_high') expr = sql`list_max(list_filter(${values}, x -> x <= ${high}))`;
    else {
      const beyond = sql`list_sort(list_filter(${values}, x -> x < ${low} OR x > ${high}))`;
      expr = sql`nullif(array_to_string(list_slice(${beyond}, 1, ${raw(String(MAX_OUTLIERS))}), ', '), '')`;
    }
    outputs.push({ ...single, expr });
  });
  return { inner, fences, outputs };
}

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

/** Measure ops a per-key inner aggregation can carry up unchanged (`distinctMeasures`). */
const PER_KEY_OPS = new Set(['count', 'count_distinct', 'min', 'max']);

/** The measures of `distinctMeasures`: the inner aggregation's key and columns, and the outputs. */
export interface DistinctMeasures extends TwoLevelMeasures {
  /** The counted column (or its integer key), grouped on by the inner aggregation as `_k`. */
  key: Sql;
}

/**
 * Several counts of distinct values of ONE column (Subject Flow's four stages, Total and Serious
 * AEs' subjects, each under its own `where`) in two levels: the inner aggregation groups the rows
 * by the groups and that column (`_k`), one `bool_or` per filtered count saying whether any row of
 * the value passes its filter; the outer one counts the values (`count(_k) FILTER (WHERE _eN)`).
 * DuckDB builds one hash table per `count(DISTINCT …)`, so four of them cost four; here one grouping
 * serves all (Subject Flow's query on 4,400 subjects: −30% of its DuckDB CPU, docs/decisions.md).
 * The numbers are the same: a value counts under a filter exactly when one of its rows passes it,
 * and a null value is never counted. Counts of rows are summed from per-value counts and min/max
 * taken of per-value ones, both exact. Null (use the plain form) for any other measure (a sum of
 * doubles could round differently), fewer than two distinct counts, distinct counts of different
 * columns, or of a column counted without DISTINCT anyway (`isUnique`).
 */
export function distinctMeasures(measures: readonly ParsedMeasure[], scope: QueryScope): DistinctMeasures | null {
  if (measures.some((m) => !PER_KEY_OPS.has(m.op) || m.per !== undefined)) return null;
  const distinct = measures.filter((m) => m.op === 'count_distinct');
  if (distinct.length < 2) return null;
  // Compiled as the plain form compiles them first, so errors and types stay as they were.
  const single = measures.map((m, i) => compileMeasure(m, scope, `measures[${i}]`));
  const targets = distinct.map((m) => scope.column(m.column as NonNullable<typeof m.column>, 'measures'));
  const [first] = targets;
  if (!first || scope.isUnique(first) || targets.some((t) => t.sql.text !== first.sql.text)) return null;
  const key = keyColumn(first) ?? first.sql;
  const inner: Sql[] = [];
  const outputs: Output[] = [];
  measures.forEach((m, i) => {
    const at = `measures[${i}]`;
    const conditions = filterConditions(m.where, scope, `${at}.where`);
    const only = (aggregate: Sql) =>
      conditions.length === 0 ? aggregate : sql`${aggregate} FILTER (WHERE ${and(conditions)})`;
    const name = raw(`_e${i}`);
    const output = single[i] as Output;
    if (m.op === 'count_distinct') {
      if (conditions.length === 0) {
        outputs.push({ ...output, expr: raw('count(_k)') });
        return;
      }
      inner.push(sql`bool_or(${and(conditions)}) AS ${name}`);
      outputs.push({ ...output, expr: sql`count(_k) FILTER (WHERE ${name})` });
      return;
    }
    if (m.op === 'count') {
      const counted = m.column ? sql`count(${scope.column(m.column, `${at}.column`).sql})` : raw('count(*)');
      inner.push(sql`${only(counted)} AS ${name}`);
      // A sum of counts is a HUGEINT, and null over no rows where a count is 0.
      outputs.push({ ...output, expr: sql`CAST(coalesce(sum(${name}), 0) AS BIGINT)` });
      return;
    }
    const target = scope.column(m.column as NonNullable<typeof m.column>, `${at}.column`);
    inner.push(sql`${only(sql`${raw(m.op)}(${target.sql})`)} AS ${name}`);
    outputs.push({ ...output, expr: sql`${raw(m.op)}(${name})` });
  });
  return { key, inner, outputs };
}
