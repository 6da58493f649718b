import { type ParsedQuerySpec, type QueryResult, QuerySpec, type QuerySpec as QuerySpecInput } from '@cdp/contracts';
import { quoteIdent } from '@cdp/formats';
import type { DuckDBValue } from '@duckdb/node-api';
import type { StoredDataset } from '../dataset-store.ts';
import { refuseMasked } from '../protected-source.ts';
import { QueryError } from '../query-error.ts';
import {
  boxPlotMeasures,
  compileGroup,
  compileMeasure,
  type DistinctMeasures,
  distinctMeasures,
  hasTukey,
  type Output,
  resultType,
} from './compile-aggregate.ts';
import { filterConditions } from './compile-filter.ts';
import {
  columnOf,
  type DatasetResolver,
  findDataset,
  keyColumn,
  PickedScope,
  QueryScope,
  type ResolvedColumn,
  type Source,
  tableOf,
} from './query-scope.ts';
import { and, joinSql, param, raw, type Sql, sql } from './sql.ts';

/** No query returns more rows than this; `limit` can only lower it. */
export const MAX_QUERY_ROWS = 10_000;

export interface CompiledQuery {
  /** Fetches `limit + 1` rows: the extra row, never returned, tells that the result was cut. */
  sql: string;
  params: DuckDBValue[];
  columns: QueryResult['columns'];
  limit: number;
  /** With `withTotal`: one row, one column, the number of result rows before limit and offset. */
  total?: { sql: string; params: DuckDBValue[] };
}

type ParsedJoinKey = ParsedQuerySpec['joins'][number]['on'][number];

/** The spec with its defaults, or a `QueryError` naming the first field that is wrong (`where[2].op`). */
export function parseQuerySpec(spec: QuerySpecInput): ParsedQuerySpec {
  const parsed = QuerySpec.safeParse(spec);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at =
    issue?.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') ?? '';
  throw new QueryError(`${at || 'query'}: ${issue?.message ?? 'not a query spec'}`, at);
}

/** Columns compared by a join or exists key must be comparable without a cast DuckDB would refuse. */
const KEY_FAMILY: Record<string, string> = { integer: 'number', datetime: 'date' };

/** The two sides of a key's equality, each as the SQL that compares. */
function keySides(left: ResolvedColumn, right: ResolvedColumn, at: string): [Sql, Sql] {
  const family = (type: string) => KEY_FAMILY[type] ?? type;
  if (family(left.column.type) !== family(right.column.type)) {
    throw new QueryError(
      `${at}: ${left.column.name} (${left.column.type}) cannot be matched with ${right.column.name} (${right.column.type})`,
      at,
    );
  }
  // Integer keys on both sides (`keyed-copies.ts`: one to one over every dataset of the query)
  // are equal exactly when the values are, and compare without hashing text.
  const leftKey = keyColumn(left);
  const rightKey = keyColumn(right);
  if (leftKey && rightKey) return [leftKey, rightKey];
  return [left.sql, right.sql];
}

function keySidesOf(on: readonly ParsedJoinKey[], scope: QueryScope, other: Source, at: string): Array<[Sql, Sql]> {
  return on.map((key, k) =>
    keySides(
      scope.column(key.left, `${at}.on[${k}].left`),
      columnOf(other, key.right, `${at}.on[${k}].right`),
      `${at}.on[${k}]`,
    ),
  );
}

function keyConditions(on: readonly ParsedJoinKey[], scope: QueryScope, other: Source, at: string): Sql[] {
  return keySidesOf(on, scope, other, at).map(([left, right]) => sql`${left} = ${right}`);
}

const notInQuery = (dataset: string) =>
  `dataset ${dataset} is not in this query: join it, or restrict rows by it with exists`;

/** What the query engine knows of the data beyond its schema, for cheaper SQL with the same answers. */
export interface CompileHints {
  /**
   * The columns of a dataset (names as stored) whose non-null values are all different: the FROM
   * dataset's, when the query joins nothing (a join may repeat its rows).
   */
  uniqueColumns?: (dataset: StoredDataset) => ReadonlySet<string> | undefined;
  /**
   * How many different values (null one of them) a column of a dataset holds (name as the spec
   * spells it), when known: a top N by a key with no more values than N has no Other row to compute.
   */
  keyValues?: (dataset: StoredDataset, column: string) => number | undefined;
}

/** FROM and JOIN clauses, and the scope the rest of the query resolves columns in. */
function compileFrom(
  spec: ParsedQuerySpec,
  datasets: DatasetResolver,
  hints: CompileHints = {},
): { from: Sql; scope: QueryScope } {
  const first: Source = { name: spec.from, alias: 't0', dataset: findDataset(datasets, spec.from, 'from') };
  const sources = [first];
  const clauses = [tableOf(first)];
  spec.joins.forEach((join, i) => {
    const at = `joins[${i}]`;
    const before = new QueryScope([...sources], notInQuery);
    if (before.find(join.dataset)) {
      throw new QueryError(
        `${at}.dataset: ${join.dataset} is already in this query, and a dataset can be read only once`,
        `${at}.dataset`,
      );
    }
    const source = {
      name: join.dataset,
      alias: `t${i + 1}`,
      dataset: findDataset(datasets, join.dataset, `${at}.dataset`),
    };
    const on = and(keyConditions(join.on, before, source, at));
    clauses.push(sql`${raw(join.kind === 'inner' ? 'INNER JOIN' : 'LEFT JOIN')} ${tableOf(source)} ON ${on}`);
    sources.push(source);
  });
  const unique = spec.joins.length === 0 ? hints.uniqueColumns?.(first.dataset) : undefined;
  return { from: joinSql(clauses, ' '), scope: new QueryScope(sources, notInQuery, unique) };
}

/**
 * A semi-join. On one key it is `key IN (SELECT key FROM … WHERE …)`, which DuckDB plans as a plain
 * hash semi join; a correlated `EXISTS` is planned as a delim join, which first collects the outer
 * side's distinct keys (1–2 ms more of a 4,400-subject Site Summary query, docs/decisions.md). The
 * answers are the same: a row whose key is null matches nothing either way, and the negated form is
 * `NOT coalesce(… IN …, FALSE)`, never `NOT IN`, so a null key among the matched rows (`IN` is then
 * null, not false) still keeps the rows that match none. On several keys it stays `EXISTS`.
 */
function compileExists(
  exists: ParsedQuerySpec['exists'][number],
  scope: QueryScope,
  datasets: DatasetResolver,
  index: number,
): Sql {
  const at = `exists[${index}]`;
  const source = {
    name: exists.dataset,
    alias: `e${index}`,
    dataset: findDataset(datasets, exists.dataset, `${at}.dataset`),
  };
  const own = new QueryScope(
    [source],
    (dataset) => `the filters of an exists on ${exists.dataset} use its own columns, not those of ${dataset}`,
  );
  const keys = keySidesOf(exists.on, scope, source, at);
  const filters = filterConditions(exists.where, own, `${at}.where`);
  const [single] = keys;
  if (keys.length === 1 && single) {
    const [outer, inner] = single;
    const where = filters.length > 0 ? sql` WHERE ${and(filters)}` : raw('');
    const matches = sql`${outer} IN (SELECT ${inner} FROM ${tableOf(source)}${where})`;
    return exists.negate ? sql`NOT coalesce(${matches}, FALSE)` : matches;
  }
  const conditions = [...keys.map(([left, right]) => sql`${left} = ${right}`), ...filters];
  const keyword = raw(exists.negate ? 'NOT EXISTS' : 'EXISTS');
  return sql`${keyword} (SELECT 1 FROM ${tableOf(source)} WHERE ${and(conditions)})`;
}

/**
 * A subject set: the subject id as text, trailing blanks ignored, against the ids bound as one JSON
 * value (DuckDB plans the `IN` over the unnested list as a hash semi join, whatever the list's size).
 * `not_in` is the complement of `in`, so a row without a subject id is kept by it.
 */
function compileSubjectSet(set: ParsedQuerySpec['subjectSets'][number], scope: QueryScope, index: number): Sql {
  const at = `subjectSets[${index}]`;
  const target = scope.column(set.column, `${at}.column`);
  refuseMasked(target.column, `${at}.column`, 'filter');
  const ids = param(JSON.stringify(set.ids.map((id) => id.trimEnd())));
  const matches = sql`rtrim(CAST(${target.sql} AS VARCHAR)) IN (SELECT unnest(from_json(CAST(${ids} AS JSON), '["VARCHAR"]')))`;
  return set.keep === 'in' ? matches : sql`NOT coalesce(${matches}, FALSE)`;
}

function checkShape(spec: ParsedQuerySpec): void {
  const aggregate = spec.groupBy.length > 0 || spec.measures.length > 0;
  if (spec.select.length > 0 && aggregate) {
    throw new QueryError('select: a query either selects rows or aggregates (groupBy, measures), not both', 'select');
  }
  if (spec.select.length === 0 && !aggregate) {
    throw new QueryError('select: a query needs select, or groupBy and/or measures', 'select');
  }
  if (spec.distinct && spec.select.length === 0) {
    throw new QueryError('distinct: distinct is for row queries (select); groups are distinct already', 'distinct');
  }
  if (spec.topN && spec.groupBy.length === 0) throw new QueryError('topN: topN needs groupBy', 'topN');
}

function checkOutputNames(outputs: readonly Output[]): void {
  // DuckDB, like SQL, does not tell `n` from `N`, so neither can two outputs.
  const seen = new Map<string, Output>();
  for (const output of outputs) {
    const first = seen.get(output.name.toLowerCase());
    if (first) {
      throw new QueryError(`${output.at}: the output name "${output.name}" is already used by ${first.at}`, output.at);
    }
    seen.set(output.name.toLowerCase(), output);
  }
}

function outputIndex(outputs: readonly Output[], name: string): number {
  const exact = outputs.findIndex((o) => o.name === name);
  return exact >= 0 ? exact : outputs.findIndex((o) => o.name.toLowerCase() === name.toLowerCase());
}

function named(outputs: readonly Output[], name: string, kind: string, at: string): number {
  const index = outputIndex(outputs, name);
  if (index < 0) {
    const names = outputs.map((o) => o.name).join(', ');
    throw new QueryError(`${at}: no ${kind} is named "${name}" in this query (there are: ${names})`, at);
  }
  return index;
}

/**
 * ORDER BY by position, so an output named like a column (`AGE`) can never be read as that column.
 * The spec's keys come first, then `tiebreak` so equal keys still come back in one fixed order, and
 * a page of a sorted table never repeats a row of the previous page.
 */
function orderBy(
  spec: ParsedQuerySpec,
  outputs: readonly Output[],
  tiebreak: readonly number[],
  afterSpec: readonly string[] = [],
): string[] {
  const used = new Set<number>();
  const keys: string[] = [];
  spec.orderBy.forEach((order, i) => {
    const index = named(outputs, order.key, 'output', `orderBy[${i}].key`);
    if (used.has(index)) return;
    used.add(index);
    keys.push(`${index + 1} ${order.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`);
  });
  keys.push(...afterSpec);
  for (const index of tiebreak) if (!used.has(index)) keys.push(`${index + 1} ASC NULLS LAST`);
  return keys;
}

function selectList(outputs: readonly Output[]): Sql {
  return joinSql(
    outputs.map((o) => sql`${o.expr} AS ${raw(quoteIdent(o.name))}`),
    ', ',
  );
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The parts every shape of query is assembled from. */
interface Parts {
  outputs: Output[];
  /** `WITH …` (topN) or nothing. */
  with: Sql;
  /** SELECT … FROM … WHERE … GROUP BY …: the result before order, limit and offset. */
  core: Sql;
  order: string[];
}

function rowParts(spec: ParsedQuerySpec, scope: QueryScope, from: Sql, where: Sql): Parts {
  const outputs = spec.select.map((s, i): Output => {
    const target = scope.column(s.column, `select[${i}].column`);
    return { name: s.as, at: `select[${i}].as`, type: resultType(target.column), expr: target.sql };
  });
  checkOutputNames(outputs);
  const distinct = raw(spec.distinct ? 'DISTINCT ' : '');
  return {
    outputs,
    with: raw(''),
    core: sql`SELECT ${distinct}${selectList(outputs)} FROM ${from}${where}`,
    order: orderBy(spec, outputs, range(outputs.length)),
  };
}

function aggregateParts(spec: ParsedQuerySpec, scope: QueryScope, from: Sql, where: Sql, hints: CompileHints): Parts {
  if (spec.topN && keysWithin(spec, spec.topN, scope, hints))
    return rankedParts(spec, spec.topN, scope, from, where, hints);
  // A box plot with a top N (ALT by Visit) takes the top N's form: measured no dearer than
  // `boxPlotParts`' two levels with a top N, and 2–10% cheaper on small groups (docs/decisions.md,
  // "Counting subjects without DISTINCT; ALT by Visit's box-plot form").
  if (spec.topN) return topNParts(spec, spec.topN, scope, from, where);
  if (hasTukey(spec.measures)) return boxPlotParts(spec, scope, from, where);
  const groups = spec.groupBy.map((g, i) => compileGroup(g, scope, `groupBy[${i}]`));
  const distinct = distinctMeasures(spec.measures, scope);
  if (distinct) return distinctParts(spec, groups, distinct, from, where);
  const measures = spec.measures.map((m, i) => compileMeasure(m, scope, `measures[${i}]`));
  checkOutputNames([...groups, ...measures]);
  const groupKeys = range(groups.length);
  const outputs = [...groups, ...measures];
  const groupBy = raw(groups.length > 0 ? ` GROUP BY ${groupKeys.map((i) => i + 1).join(', ')}` : '');
  return {
    outputs,
    with: raw(''),
    core: sql`SELECT ${selectList(outputs)} FROM ${from}${where}${groupBy}`,
    order: orderBy(spec, outputs, groupKeys),
  };
}

/**
 * Whether the top N's key (its only group, a plain column of FROM) is known to hold no more values
 * than N in the whole file: then no filter can leave a key outside the top N, and no row is Other.
 */
function keysWithin(
  spec: ParsedQuerySpec,
  topN: NonNullable<ParsedQuerySpec['topN']>,
  scope: QueryScope,
  hints: CompileHints,
): boolean {
  const [group] = spec.groupBy;
  if (spec.groupBy.length !== 1 || !group || group.bucket || group.binWidth !== undefined) return false;
  const [from] = scope.sources;
  if (!from || group.column.dataset.toLowerCase() !== from.name.toLowerCase()) return false;
  if (group.as !== topN.key && group.as.toLowerCase() !== topN.key.toLowerCase()) return false;
  const values = hints.keyValues?.(from.dataset, group.column.column);
  return values !== undefined && values <= topN.n;
}

/** The name of the rank column `rankedParts` adds (an output may not take it). */
const RANK = 'cdp_rank';

/**
 * A top N whose key has no more values than N (`keysWithin`): the groups as the same spec without
 * a top N computes them (one aggregation; for a box plot `boxPlotParts`' two levels), ranked by the
 * `by` measure as the top N ranks its keys (descending, then the key), so the rows and their order
 * are the top N form's: the spec's order, then the rank, then the groups. ALT by Visit (26 visits,
 * a top 30) no longer aggregates its rows twice and joins them to the ranked keys.
 */
function rankedParts(
  spec: ParsedQuerySpec,
  topN: NonNullable<ParsedQuerySpec['topN']>,
  scope: QueryScope,
  from: Sql,
  where: Sql,
  hints: CompileHints,
): Parts {
  const { topN: _dropped, ...rest } = spec;
  const plain = aggregateParts(rest as ParsedQuerySpec, scope, from, where, hints);
  if (plain.outputs.some((o) => o.name.toLowerCase() === RANK)) return topNParts(spec, topN, scope, from, where);
  const byIndex = named(plain.outputs.slice(spec.groupBy.length), topN.by, 'measure', 'topN.by');
  const by = plain.outputs[spec.groupBy.length + byIndex] as Output;
  const key = plain.outputs[0] as Output;
  const quoted = (o: Output) => raw(quoteIdent(o.name));
  // No key is outside the top N, so no row is Other: the count asked for is there, and null.
  const keysInOther: Output[] = topN.keysInOther
    ? [{ name: topN.keysInOther, at: 'topN.keysInOther', type: 'integer', expr: raw('CAST(NULL AS BIGINT)') }]
    : [];
  const outputs = [...plain.outputs.map((o): Output => ({ ...o, expr: quoted(o) })), ...keysInOther];
  checkOutputNames(outputs);
  const rank = sql`row_number() OVER (ORDER BY ${quoted(by)} DESC NULLS LAST, ${quoted(key)} ASC NULLS LAST) AS ${raw(RANK)}`;
  return {
    outputs,
    with: plain.with,
    core: sql`SELECT ${selectList(outputs)} FROM (SELECT *, ${rank} FROM (${plain.core}) AS groups) AS ranked`,
    order: orderBy(spec, outputs, range(spec.groupBy.length), [RANK]),
  };
}

/**
 * Distinct counts of one column in two levels (`distinctMeasures`): the rows grouped by the groups
 * and the counted column, then by the groups alone.
 */
function distinctParts(
  spec: ParsedQuerySpec,
  groups: readonly Output[],
  measures: DistinctMeasures,
  from: Sql,
  where: Sql,
): Parts {
  checkOutputNames([...groups, ...measures.outputs]);
  const groupKeys = range(groups.length);
  const innerGroups = groups.map((g, i) => sql`${g.expr} AS ${raw(`_g${i}`)}`);
  const inner = joinSql([...innerGroups, sql`${measures.key} AS _k`, ...measures.inner], ', ');
  const innerBy = [...groupKeys.map((i) => i + 1), groups.length + 1].join(', ');
  const outputs = [...groups.map((g, i): Output => ({ ...g, expr: raw(`_g${i}`) })), ...measures.outputs];
  const groupBy = raw(groups.length > 0 ? ` GROUP BY ${groupKeys.map((i) => i + 1).join(', ')}` : '');
  return {
    outputs,
    with: raw(''),
    core: sql`SELECT ${selectList(outputs)} FROM (SELECT ${inner} FROM ${from}${where} GROUP BY ${raw(innerBy)}) AS per_value${groupBy}`,
    order: orderBy(spec, outputs, groupKeys),
  };
}

/**
 * The groups and box-plot measures in two levels (`boxPlotMeasures`): the rows are read once into
 * `base` (only the columns named), grouped with one quantile list and one value list per measured
 * values, and the whiskers and outliers taken from those lists above the aggregation. With a top N
 * the inner query is the top N's (`_r` its rank, for the order).
 */
function boxPlotParts(spec: ParsedQuerySpec, scope: QueryScope, from: Sql, where: Sql): Parts {
  const picked = new PickedScope(scope);
  const groups = spec.groupBy.map((g, i) => compileGroup(g, picked, `groupBy[${i}]`));
  const measures = boxPlotMeasures(spec.measures, picked);
  checkOutputNames([...groups, ...measures.outputs]);
  const groupKeys = range(groups.length);
  const base = sql`base AS MATERIALIZED (SELECT ${joinSql(picked.picked, ', ')} FROM ${from}${where})`;
  const top = spec.topN ? topNFrame(spec, spec.topN, groups, compileMeasure, picked) : null;
  const innerGroups = (top?.groups ?? groups).map((g, i) => sql`${g.expr} AS ${raw(`_g${i}`)}`);
  const innerOther = (top?.keysInOther ?? []).map((o) => sql`${o.expr} AS _o`);
  const inner = joinSql(
    [...innerGroups, ...(top ? [raw('top_keys.r AS _r')] : []), ...innerOther, ...measures.inner],
    ', ',
  );
  const groupList = groupKeys.map((i) => i + 1).join(', ');
  const groupBy = raw(top ? ` GROUP BY top_keys.r, ${groupList}` : groups.length > 0 ? ` GROUP BY ${groupList}` : '');
  const source = top ? sql`base AS b LEFT JOIN top_keys ON ${top.join}` : raw('base AS b');
  const outputs = [
    ...(top?.groups ?? groups).map((g, i): Output => ({ ...g, expr: raw(`_g${i}`) })),
    ...measures.outputs,
    ...(top?.keysInOther ?? []).map((o): Output => ({ ...o, expr: raw('_o') })),
  ];
  checkOutputNames(outputs);
  return {
    outputs,
    with: top ? sql`WITH ${base}, ${top.ctes} ` : sql`WITH ${base} `,
    core: sql`SELECT ${selectList(outputs)} FROM (SELECT *, ${joinSql(measures.fences, ', ')} FROM (SELECT ${inner} FROM ${source}${groupBy}) AS grouped) AS agg`,
    order: top ? ['_r IS NULL', ...orderBy(spec, outputs, groupKeys, ['_r'])] : orderBy(spec, outputs, groupKeys),
  };
}

/**
 * Top N: rank the key's groups by the `by` measure over all rows, then aggregate again with every
 * key outside the top N relabelled, so the Other row's measures (distinct counts too) are computed
 * from its rows rather than added up from groups. `top_keys.r` (null for Other) is grouped on so
 * that a real value spelled like the Other label is never merged into it.
 *
 * Both aggregations read one materialized CTE (`base`) holding the rows that pass the filters and
 * joins, with only the columns the groups and measures name: the files are read, filtered and
 * joined once, not twice (ALT by Visit on a 1,000,000-row LB: 100 → 57 ms of CPU, docs/decisions.md).
 */
function topNParts(
  spec: ParsedQuerySpec,
  topN: NonNullable<ParsedQuerySpec['topN']>,
  scope: QueryScope,
  from: Sql,
  where: Sql,
): Parts {
  const picked = new PickedScope(scope);
  const plainGroups = spec.groupBy.map((g, i) => compileGroup(g, picked, `groupBy[${i}]`));
  const measures = spec.measures.map((m, i) => compileMeasure(m, picked, `measures[${i}]`));
  checkOutputNames([...plainGroups, ...measures]);
  const groupKeys = range(plainGroups.length);
  const top = topNFrame(spec, topN, plainGroups, (_m, _s, at) => measureNamed(measures, at), picked);
  const outputs = [...top.groups, ...measures, ...top.keysInOther];
  checkOutputNames(outputs);
  const groupBy = raw(` GROUP BY top_keys.r, ${groupKeys.map((i) => i + 1).join(', ')}`);
  const base = sql`base AS MATERIALIZED (SELECT ${joinSql(picked.picked, ', ')} FROM ${from}${where})`;
  return {
    outputs,
    with: sql`WITH ${base}, ${top.ctes} `,
    core: sql`SELECT ${selectList(outputs)} FROM base AS b LEFT JOIN top_keys ON ${top.join}${groupBy}`,
    // Other last whatever the spec's order; ties of that order go by rank.
    order: ['top_keys.r IS NULL', ...orderBy(spec, outputs, groupKeys, ['top_keys.r'])],
  };
}

/** The already compiled measure at `measures[i]` (the position `topNFrame` asks for). */
function measureNamed(measures: readonly Output[], at: string): Output {
  const index = Number(/\[(\d+)\]$/.exec(at)?.[1] ?? -1);
  const found = measures[index];
  if (!found) throw new QueryError(`${at}: no such measure`, at);
  return found;
}

/**
 * The top N's ranking over `base`: `key_totals` (the `by` measure per key) and `top_keys` (the first
 * N keys by it), the groups with the key relabelled (Other outside the top N), and the join of
 * `base AS b` to `top_keys`.
 */
function topNFrame(
  spec: ParsedQuerySpec,
  topN: NonNullable<ParsedQuerySpec['topN']>,
  groups: readonly Output[],
  measureAt: (measure: ParsedQuerySpec['measures'][number], scope: QueryScope, at: string) => Output,
  scope: QueryScope,
): { groups: Output[]; ctes: Sql; join: Sql; keysInOther: Output[] } {
  const keyIndex = named(groups, topN.key, 'group', 'topN.key');
  const byIndex = spec.measures.findIndex((m) => m.as === topN.by);
  const byAt = byIndex >= 0 ? byIndex : spec.measures.findIndex((m) => m.as.toLowerCase() === topN.by.toLowerCase());
  if (byAt < 0) {
    const names = spec.measures.map((m) => m.as).join(', ');
    throw new QueryError(`topN.by: no measure is named "${topN.by}" in this query (there are: ${names})`, 'topN.by');
  }
  const by = measureAt(spec.measures[byAt] as ParsedQuerySpec['measures'][number], scope, `measures[${byAt}]`);
  const key = groups[keyIndex] as Output;
  const keyText = key.type === 'string' ? key.expr : sql`CAST(${key.expr} AS VARCHAR)`;
  const relabelled = [...groups];
  relabelled[keyIndex] = {
    ...key,
    type: 'string',
    expr: sql`CASE WHEN top_keys.r IS NULL THEN ${param(topN.other)} ELSE ${keyText} END`,
  };
  return {
    groups: relabelled,
    ctes: sql`key_totals AS (SELECT ${keyText} AS k, ${by.expr} AS m FROM base AS b GROUP BY 1), top_keys AS (SELECT k, row_number() OVER (ORDER BY m DESC NULLS LAST, k ASC NULLS LAST) AS r FROM key_totals QUALIFY r <= ${param(topN.n)})`,
    join: sql`${keyText} IS NOT DISTINCT FROM top_keys.k`,
    // Every key ranked (a missing key is one, as Other shows it) less those kept: read from the
    // two small CTEs the ranking made anyway, not from the rows again.
    keysInOther: topN.keysInOther
      ? [
          {
            name: topN.keysInOther,
            at: 'topN.keysInOther',
            type: 'integer',
            expr: raw(
              'CASE WHEN top_keys.r IS NULL THEN (SELECT count(*) FROM key_totals) - (SELECT count(*) FROM top_keys) END',
            ),
          },
        ]
      : [],
  };
}

/**
 * The spec as one parameterised DuckDB query over the datasets' Parquet files (plus, with `withTotal`,
 * a count). Every dataset and column name is looked up in `datasets` and quoted; every value is a
 * parameter. `hints` may make the SQL cheaper, never its answer different. Throws `QueryError` with the spec path at fault (`where[2].column`).
 */
export function compileQuery(
  input: QuerySpecInput,
  datasets: DatasetResolver,
  hints: CompileHints = {},
): CompiledQuery {
  return compileParsed(parseQuerySpec(input), datasets, hints);
}

/**
 * `compileQuery` for a spec `parseQuerySpec` has already checked and given its defaults (the query
 * engine parses each spec once, for its cache key, and compiles it again to read a base table).
 */
export function compileParsed(
  spec: ParsedQuerySpec,
  datasets: DatasetResolver,
  hints: CompileHints = {},
): CompiledQuery {
  checkShape(spec);
  const { from, scope } = compileFrom(spec, datasets, hints);
  const conditions = [
    ...filterConditions(spec.where, scope, 'where'),
    ...spec.exists.map((exists, i) => compileExists(exists, scope, datasets, i)),
    ...spec.subjectSets.map((set, i) => compileSubjectSet(set, scope, i)),
  ];
  const where = conditions.length > 0 ? sql` WHERE ${and(conditions)}` : raw('');
  const parts =
    spec.select.length > 0 ? rowParts(spec, scope, from, where) : aggregateParts(spec, scope, from, where, hints);
  const limit = Math.min(spec.limit ?? MAX_QUERY_ROWS, MAX_QUERY_ROWS);
  const order = raw(parts.order.length > 0 ? ` ORDER BY ${parts.order.join(', ')}` : '');
  const main = sql`${parts.with}${parts.core}${order} LIMIT ${param(limit + 1)} OFFSET ${param(spec.offset)}`;
  const total = spec.withTotal ? sql`${parts.with}SELECT count(*) FROM (${parts.core}) AS q` : undefined;
  return {
    sql: main.text,
    params: [...main.params],
    columns: parts.outputs.map((o) => ({ name: o.name, type: o.type })),
    limit,
    ...(total ? { total: { sql: total.text, params: [...total.params] } } : {}),
  };
}
