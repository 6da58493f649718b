import type { ParsedQuerySpec, QueryFilter, QueryResult } from '@cdp/contracts';
import type { StoreColumn, StoredDataset } from '../dataset-store.ts';
import type { DatasetResolver } from './query-scope.ts';

/**
 * Counts answered from partial counts (docs/decisions.md, "Subject partials"). A dashboard's page
 * filters are mostly on the subject dataset (an age range on DM), and most of its widgets count rows
 * or subjects. Such a spec's answer is a sum over the values of the filtered columns: grouped also by
 * those columns (the *partial*, one query per data version and spec without those filters, shared by
 * every page), each page's answer is the partial's rows whose values pass the page's filters, summed
 * per group. Exact, not estimated:
 * - a row count (`count`, `count(col)`) is additive over any partition of the rows;
 * - a distinct count is additive over a partition when each counted value lies in one part: here the
 *   counted column is FROM's subject id and the filtered columns are those of the one row its id
 *   matches (FROM's own columns when the id repeats no value in FROM, or a joined dataset's whose join
 *   key, the counted column, repeats no value in that dataset), so a subject's rows all carry the same
 *   filtered values;
 * - the filters kept out of the partial are numeric comparisons with whole numbers (`ge`, `gt`, `le`,
 *   `lt`, `eq`, `between`) on a number column, which JavaScript decides exactly as DuckDB does for every
 *   value the partial can hold (finite numbers and null; anything else, and the partial is not used);
 * - a top N is answered only when every measure is a row count: then its Other row is the sum of the
 *   other keys' rows (`topRows`);
 * - groups come back in the compiler's order (the spec's order, then every group ascending, nulls last)
 *   compared as DuckDB compares them (numbers, text by code point, ISO dates); a type without such a
 *   comparison here (datetimes, booleans) is not answered from a partial.
 * A partial too large to be a cheap sum (more rows than `MAX_PARTIAL_ROWS`) is not used.
 */

/** Ops kept out of the partial and tested on its rows. */
const RANGE_OPS = new Set(['ge', 'gt', 'le', 'lt', 'eq', 'between']);
/** The partial's output name for its i-th filtered column (no spec output may start with it). */
const PART_PREFIX = 'cdp_part_';
/** A partial with more rows than this is summed no cheaper than the spec is answered: not used. */
export const MAX_PARTIAL_ROWS = 5_000;

/** A column the plan needs to repeat no value, for its distinct counts to be sums. */
export interface UniqueNeed {
  dataset: StoredDataset;
  column: StoreColumn;
}

export interface PartialPlan {
  /** The spec without the filters kept out, grouped first by the filtered columns. */
  partial: ParsedQuerySpec;
  /** Per filtered column (the partial's first outputs, in order), the tests its value must pass. */
  tests: Array<(value: number) => boolean>;
  /** Columns that must repeat no value (checked once per file by the engine), or the plan does not hold. */
  unique: UniqueNeed[];
}

function columnIn(dataset: StoredDataset, name: string): StoreColumn | undefined {
  return (
    dataset.columns.find((c) => c.name === name) ??
    dataset.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())
  );
}

/** A column read as the file holds it (not masked, not opened from a sealed sidecar). */
function asStored(dataset: StoredDataset, column: StoreColumn): boolean {
  return !column.masked && !dataset.sealed?.columns.some((c) => c.name === column.name);
}

const whole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The filter as a test of a number (null never passes: every op kept out rejects a missing value), or null when it is not one. */
function rangeTest(filter: QueryFilter): ((value: number) => boolean) | null {
  if (filter.against || !RANGE_OPS.has(filter.op)) return null;
  const { value } = filter;
  if (filter.op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [low, high] = value;
    const lowSet = low !== null && low !== undefined;
    const highSet = high !== null && high !== undefined;
    if ((lowSet && !whole(low)) || (highSet && !whole(high))) return null;
    return (v) => (!lowSet || v >= (low as number)) && (!highSet || v <= (high as number));
  }
  if (!whole(value)) return null;
  switch (filter.op) {
    case 'ge':
      return (v) => v >= value;
    case 'gt':
      return (v) => v > value;
    case 'le':
      return (v) => v <= value;
    case 'lt':
      return (v) => v < value;
    default:
      return (v) => v === value;
  }
}

/**
 * The partial that answers `spec` by sums, or null when it cannot answer it exactly (above) or
 * nothing would be kept out of it.
 */
export function partialPlan(spec: ParsedQuerySpec, datasets: DatasetResolver): PartialPlan | null {
  if (spec.select.length > 0 || spec.measures.length === 0 || spec.subjectSets.length > 0) return null;
  if (spec.withTotal || spec.limit !== undefined || spec.offset !== 0) return null;
  if (spec.measures.some((m) => (m.op !== 'count' && m.op !== 'count_distinct') || m.per)) return null;
  // A top N's Other row is a sum of the other keys' rows only for row counts (a subject may be in
  // several other keys); its key must be a group and its measure one of the spec's.
  if (spec.topN) {
    const { key, by } = spec.topN;
    if (spec.measures.some((m) => m.op !== 'count')) return null;
    if (!spec.groupBy.some((g) => g.as === key) || !spec.measures.some((m) => m.as === by)) return null;
  }
  const groupNames = new Set(spec.groupBy.map((g) => g.as));
  if (!spec.orderBy.every((o) => groupNames.has(o.key))) return null;
  const names = [...groupNames, ...spec.measures.map((m) => m.as)];
  if (names.some((n) => n.startsWith(PART_PREFIX))) return null;
  const fromName = spec.from.toUpperCase();
  const from = datasets(spec.from);
  if (!from) return null;

  // The filters kept out: range tests on number columns of one dataset, FROM or a joined one.
  const kept: QueryFilter[] = [];
  const out: Array<{ filter: QueryFilter; test: (v: number) => boolean; column: StoreColumn }> = [];
  let partDataset: string | undefined;
  for (const filter of spec.where) {
    const test = rangeTest(filter);
    const name = filter.column.dataset.toUpperCase();
    const dataset = test ? datasets(name) : undefined;
    const column = dataset ? columnIn(dataset, filter.column.column) : undefined;
    const usable =
      test &&
      dataset &&
      column &&
      (column.type === 'number' || column.type === 'integer') &&
      asStored(dataset, column) &&
      (partDataset === undefined || partDataset === name);
    if (!usable) {
      kept.push(filter);
      continue;
    }
    partDataset = name;
    out.push({ filter, test, column });
  }
  if (!partDataset || out.length === 0) return null;
  const part = datasets(partDataset);
  if (!part) return null;

  // Every distinct count must be of FROM's subject id, one part per id (see above).
  const unique: UniqueNeed[] = [];
  const need = (dataset: StoredDataset, column: StoreColumn) => {
    if (!unique.some((u) => u.dataset === dataset && u.column.name === column.name)) unique.push({ dataset, column });
  };
  const joins = spec.joins.filter((j) => j.dataset.toUpperCase() === partDataset);
  if (partDataset !== fromName && joins.length !== 1) return null;
  if (partDataset === fromName && joins.length > 0) return null;
  const join = joins[0];
  for (const measure of spec.measures) {
    if (measure.op !== 'count_distinct') continue;
    const counted = measure.column;
    if (!counted || counted.dataset.toUpperCase() !== fromName) return null;
    const column = columnIn(from, counted.column);
    if (!column || !asStored(from, column)) return null;
    if (!join) {
      need(from, column);
      continue;
    }
    const [key, ...more] = join.on;
    if (!key || more.length > 0 || key.left.dataset.toUpperCase() !== fromName) return null;
    if (columnIn(from, key.left.column)?.name !== column.name) return null;
    const right = columnIn(part, key.right);
    if (!right || !asStored(part, right)) return null;
    need(part, right);
  }

  // Each filtered column once, in the order first met.
  const columns: StoreColumn[] = [];
  const tests: Array<Array<(v: number) => boolean>> = [];
  for (const { test, column } of out) {
    let at = columns.findIndex((c) => c.name === column.name);
    if (at < 0) {
      at = columns.push(column) - 1;
      tests.push([]);
    }
    tests[at]?.push(test);
  }
  const partial: ParsedQuerySpec = {
    ...spec,
    where: kept,
    groupBy: [
      ...columns.map((c, i) => ({
        column: { dataset: partDataset as string, column: c.name },
        as: `${PART_PREFIX}${i}`,
      })),
      ...spec.groupBy,
    ],
    orderBy: [],
  };
  delete partial.topN;
  return { partial, tests: tests.map((all) => (v: number) => all.every((t) => t(v))), unique };
}

/** DuckDB's order of two group cells of `type` (nulls handled by the caller), or null when not known here. */
function compareCells(type: string, a: unknown, b: unknown): number | null {
  if (type === 'integer' || type === 'number') {
    if (typeof a !== 'number' || typeof b !== 'number') return null;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (type === 'string' || type === 'date') {
    if (typeof a !== 'string' || typeof b !== 'string') return null;
    // Code point order (DuckDB compares UTF-8 bytes); ISO dates of four-digit years sort as text.
    if (a === b) return 0;
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return x.length < y.length ? -1 : 1;
  }
  return null;
}

/** A sort key: a group's place in the row, or -1 for the top N's rank. */
interface OrderKey {
  at: number;
  desc: boolean;
}

/** The compiler's order: the spec's keys (groups only here), then the top N's rank when asked, then every group ascending. */
function orderKeys(spec: ParsedQuerySpec, ranked: boolean): OrderKey[] {
  return [
    ...spec.orderBy.map((o) => ({ at: spec.groupBy.findIndex((g) => g.as === o.key), desc: o.dir === 'desc' })),
    ...(ranked ? [{ at: -1, desc: false }] : []),
    ...spec.groupBy.map((_, at) => ({ at, desc: false })),
  ];
}

/**
 * Sorts `items` in place as DuckDB orders their rows by `keys` (each ascending or descending, nulls
 * last; -1 is `rankOf`, and rows without a rank, the top N's Other, come after every ranked row).
 * False when a cell's type has no known order here (`compareCells`).
 */
function inOrder<T>(
  items: T[],
  cellsOf: (item: T) => readonly unknown[],
  keys: readonly OrderKey[],
  columns: QueryResult['columns'],
  rankOf?: (item: T) => number | null,
): boolean {
  let unknown = false;
  items.sort((a, b) => {
    const ra = rankOf?.(a) ?? null;
    const rb = rankOf?.(b) ?? null;
    if (rankOf && (ra === null) !== (rb === null)) return ra === null ? 1 : -1;
    const x = cellsOf(a);
    const y = cellsOf(b);
    for (const { at, desc } of keys) {
      if (at < 0) {
        if (ra !== null && rb !== null && ra !== rb) return ra - rb;
        continue;
      }
      const u = x[at];
      const v = y[at];
      if (u === null || v === null) {
        if (u === v) continue;
        return u === null ? 1 : -1;
      }
      const order = compareCells(columns[at]?.type ?? '', u, v);
      if (order === null) {
        unknown = true;
        return 0;
      }
      if (order !== 0) return desc ? -order : order;
    }
    return 0;
  });
  return !unknown;
}

/** A group cell this module can compare and key exactly, of a result column of `type`. */
function knownCell(type: string, value: unknown): boolean {
  if (value === null) return true;
  if (type === 'integer' || type === 'number')
    return typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0);
  if (type === 'date') return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  return type === 'string' && typeof value === 'string';
}

/**
 * A partial's result read once for summing: its groups in the compiler's order, and per row the
 * filtered values, the group's place and the counts. Every page asking the same spec sums the same
 * partial, so this is built once per partial result (`indexes`) and each page only tests and adds.
 */
interface PartialIndex {
  columns: QueryResult['columns'];
  /** Group cells, in the order the answer lists them. */
  groups: unknown[][];
  /** Per row: the filtered columns' values (null: missing). */
  values: Array<Array<number | null>>;
  /** Per row: its group's place in `groups`. */
  groupOf: Int32Array;
  /** Per row: its counts. */
  counts: number[][];
}

/** Indexes by partial result (results are frozen and shared by the cache), then by the spec's order. */
const indexes = new WeakMap<QueryResult, Map<string, PartialIndex | null>>();

function indexOf(spec: ParsedQuerySpec, plan: PartialPlan, partial: QueryResult): PartialIndex | null {
  const order = JSON.stringify([spec.groupBy.length, spec.orderBy]);
  let byOrder = indexes.get(partial);
  if (!byOrder) {
    byOrder = new Map();
    indexes.set(partial, byOrder);
  }
  if (byOrder.has(order)) return byOrder.get(order) ?? null;
  const index = buildIndex(spec, plan, partial);
  byOrder.set(order, index);
  return index;
}

function buildIndex(spec: ParsedQuerySpec, plan: PartialPlan, partial: QueryResult): PartialIndex | null {
  if (partial.truncated || partial.rows.length > MAX_PARTIAL_ROWS) return null;
  const parts = plan.tests.length;
  const groups = spec.groupBy.length;
  const columns = partial.columns.slice(parts);
  if (columns.slice(groups).some((c) => c.type !== 'integer')) return null;
  const places = new Map<string, number>();
  const cellsOf: unknown[][] = [];
  const values: Array<Array<number | null>> = [];
  const groupOf = new Int32Array(partial.rows.length);
  const counts: number[][] = [];
  for (const [r, row] of partial.rows.entries()) {
    const own: Array<number | null> = [];
    for (let i = 0; i < parts; i++) {
      const value = row[i];
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) return null;
      own.push(value as number | null);
    }
    values.push(own);
    const cells = row.slice(parts, parts + groups);
    for (const [i, cell] of cells.entries()) if (!knownCell(columns[i]?.type ?? '', cell)) return null;
    const rowCounts = row.slice(parts + groups);
    if (!rowCounts.every((c) => typeof c === 'number' && Number.isSafeInteger(c))) return null;
    counts.push(rowCounts as number[]);
    const key = JSON.stringify(cells);
    let place = places.get(key);
    if (place === undefined) {
      place = cellsOf.push(cells) - 1;
      places.set(key, place);
    }
    groupOf[r] = place;
  }
  // The compiler's order: the spec's keys, then every group ascending, nulls last.
  const keys = orderKeys(spec, false);
  const sorted = cellsOf.map((_, i) => i);
  if (!inOrder(sorted, (place) => cellsOf[place] ?? [], keys, columns)) return null;
  const rank = new Int32Array(sorted.length);
  for (const [at, place] of sorted.entries()) rank[place] = at;
  for (let r = 0; r < groupOf.length; r++) groupOf[r] = rank[groupOf[r] ?? 0] ?? 0;
  return { columns, groups: sorted.map((place) => cellsOf[place] ?? []), values, groupOf, counts };
}

/**
 * `spec`'s answer from its partial's result, as the spec's own query would give it (columns, rows in
 * the compiler's order, not truncated), or null when the partial cannot give it exactly.
 */
export function sumPartial(spec: ParsedQuerySpec, plan: PartialPlan, partial: QueryResult): QueryResult | null {
  const index = indexOf(spec, plan, partial);
  if (!index) return null;
  const measures = spec.measures.length;
  const sums = new Float64Array(index.groups.length * measures);
  const seen = new Uint8Array(index.groups.length);
  const { tests } = plan;
  partialRows: for (let r = 0; r < index.values.length; r++) {
    const values = index.values[r] ?? [];
    for (let i = 0; i < tests.length; i++) {
      const value = values[i];
      if (value === null || value === undefined || !tests[i]?.(value)) continue partialRows;
    }
    const group = index.groupOf[r] ?? 0;
    seen[group] = 1;
    const counts = index.counts[r] ?? [];
    for (let m = 0; m < measures; m++)
      sums[group * measures + m] = (sums[group * measures + m] ?? 0) + (counts[m] ?? 0);
  }
  const rows: unknown[][] = [];
  for (let g = 0; g < index.groups.length; g++) {
    if (!seen[g]) continue;
    rows.push([...(index.groups[g] ?? []), ...sums.subarray(g * measures, (g + 1) * measures)]);
  }
  // Without groups an aggregate answers one row, zeros when no row passes.
  if (spec.groupBy.length === 0 && rows.length === 0) rows.push(spec.measures.map(() => 0));
  if (spec.topN) return topRows(spec, spec.topN, index.columns, rows);
  return { columns: index.columns, rows, truncated: false };
}

/**
 * The top N's answer from its groups' row counts (`rows`, every group with rows, in group order), as
 * `compile-query.ts`' top N form gives it: keys ranked by their total of the `by` count (descending,
 * then the key ascending, nulls last), the first N kept, every other key's rows added up as one key
 * labelled `other` per remaining group, apart from a real key spelled like the label; Other last,
 * then the spec's order, the rank, the groups. The key must be text (the top N compares keys as text).
 */
function topRows(
  spec: ParsedQuerySpec,
  topN: NonNullable<ParsedQuerySpec['topN']>,
  columns: QueryResult['columns'],
  rows: unknown[][],
): QueryResult | null {
  const keyAt = spec.groupBy.findIndex((g) => g.as === topN.key);
  const groups = spec.groupBy.length;
  const byAt = groups + spec.measures.findIndex((m) => m.as === topN.by);
  if (columns[keyAt]?.type !== 'string') return null;
  const totals = new Map<string | null, number>();
  for (const row of rows) {
    const key = row[keyAt] as string | null;
    totals.set(key, (totals.get(key) ?? 0) + Number(row[byAt]));
  }
  const ranked = [...totals].sort(([k1, m1], [k2, m2]) => {
    if (m1 !== m2) return m2 - m1;
    if (k1 === null || k2 === null) return k1 === null ? 1 : -1;
    return compareCells('string', k1, k2) ?? 0;
  });
  const rank = new Map(ranked.slice(0, topN.n).map(([key], i) => [key, i + 1]));
  const kept: Array<{ r: number | null; row: unknown[] }> = [];
  const others = new Map<string, unknown[]>();
  for (const row of rows) {
    const r = rank.get(row[keyAt] as string | null);
    if (r !== undefined) {
      kept.push({ r, row });
      continue;
    }
    const cells = row.slice(0, groups);
    cells[keyAt] = topN.other;
    const id = JSON.stringify(cells);
    const other = others.get(id);
    if (!other) others.set(id, [...cells, ...row.slice(groups)]);
    else for (let m = groups; m < row.length; m++) other[m] = Number(other[m]) + Number(row[m]);
  }
  for (const row of others.values()) kept.push({ r: null, row });
  // `keysInOther`, as the top N form computes it: every key ranked (a missing key is one) less those
  // kept, on Other's rows; null on the kept keys' rows.
  const inOther = topN.keysInOther ? ranked.length - Math.min(topN.n, ranked.length) : undefined;
  const keys = orderKeys(spec, true);
  if (
    !inOrder(
      kept,
      (k) => k.row,
      keys,
      columns,
      (k) => k.r,
    )
  )
    return null;
  if (!topN.keysInOther || inOther === undefined) return { columns, rows: kept.map((k) => k.row), truncated: false };
  return {
    columns: [...columns, { name: topN.keysInOther, type: 'integer' }],
    rows: kept.map((k) => [...k.row, k.r === null ? inOther : null]),
    truncated: false,
  };
}
