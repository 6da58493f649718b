import type { ParsedQuerySpec, QueryResult } from '@cdp/contracts';
import { canonicalJson } from './spec-key.ts';

/** Ops whose `where` the compiler applies inside the aggregate (Tukey): left alone, never folded. */
const UNFOLDED_OPS = new Set(['whisker_low', 'whisker_high', 'outliers']);
/** The contract's limits a folded spec must still meet. */
const MAX_MEASURE_FILTERS = 20;
const MAX_MEASURES = 50;
const MAX_OUTPUT_NAME = 64;

/**
 * Whether a spec may be answered as part of a folded query: an aggregate (measures, maybe groups)
 * with no top N, no listing page (limit, offset, total) and no Tukey measure, whose order names
 * only its groups. Such a spec's result is a function of its rows per group, so it can be computed
 * as measures `FILTER (WHERE …)` of a wider query and picked back out unchanged.
 */
export function foldable(spec: ParsedQuerySpec): boolean {
  if (spec.select.length > 0 || spec.measures.length === 0) return false;
  // A subject set's ids would have to be compared to fold; such specs are a reader's one widget.
  if (spec.subjectSets.length > 0) return false;
  if (spec.topN || spec.withTotal || spec.limit !== undefined || spec.offset !== 0) return false;
  if (spec.measures.some((m) => UNFOLDED_OPS.has(m.op))) return false;
  const groups = new Set(spec.groupBy.map((g) => g.as));
  return spec.orderBy.every((o) => groups.has(o.key));
}

/**
 * What specs must share to be folded into one query: the rows they read (dataset, joins,
 * semi-joins), their groups and their order. Their `where` may differ: what is not common becomes
 * each measure's own filter.
 */
export function frameOf(spec: ParsedQuerySpec): string {
  return canonicalJson({
    from: spec.from.toUpperCase(),
    joins: spec.joins,
    exists: spec.exists,
    groupBy: spec.groupBy,
    orderBy: spec.orderBy,
  });
}

/** The measures `foldSpecs` gives a spec in the folded query: its own, and a row count when grouped. */
function foldedMeasures(spec: ParsedQuerySpec): number {
  return spec.measures.length + (spec.groupBy.length > 0 ? 1 : 0);
}

/**
 * How many of `specs` (of one frame), from the first, one folded query can answer within the
 * contract's measure limit: at least one (a spec alone needs no fold).
 */
export function foldBatch(specs: readonly ParsedQuerySpec[]): number {
  let measures = 0;
  for (const [i, spec] of specs.entries()) {
    measures += foldedMeasures(spec);
    if (measures > MAX_MEASURES) return Math.max(1, i);
  }
  return specs.length;
}

/** Where each folded spec's columns are in the folded query's result. */
export interface FoldedPart {
  /** Result column index for each of the spec's columns (groups first, then its measures, in its order). */
  columns: number[];
  /** The spec's own names for those columns. */
  names: string[];
  /** For a grouped spec: the column counting its own rows per group; a group with none is not in its result. */
  presence?: number;
}

export interface FoldPlan {
  spec: ParsedQuerySpec;
  parts: FoldedPart[];
}

/**
 * One spec answering several specs of the same frame (`frameOf`): the filters every spec has stay
 * in `where`; the rest of each spec's filters go into each of its measures' `where`
 * (`FILTER (WHERE …)`), under names prefixed by the spec's position. A grouped spec gets a row
 * count under its own filters, so groups only other specs have rows in are dropped from its result.
 * Null when the folded spec would break the contract's limits (names, measures, filters per measure).
 */
export function foldSpecs(specs: readonly ParsedQuerySpec[]): FoldPlan | null {
  const [first] = specs;
  if (!first || specs.length < 2) return null;
  const keyed = specs.map((s) => s.where.map((f) => [canonicalJson(f), f] as const));
  const common = (keyed[0] ?? []).filter(([key]) => keyed.every((where) => where.some(([k]) => k === key)));
  const commonKeys = new Set(common.map(([key]) => key));
  const grouped = first.groupBy.length > 0;
  const measures: ParsedQuerySpec['measures'] = [];
  const groupColumns = first.groupBy.map((_, i) => i);
  const parts: FoldedPart[] = [];
  for (const [i, spec] of specs.entries()) {
    const own = (keyed[i] ?? []).filter(([key]) => !commonKeys.has(key)).map(([, f]) => f);
    const columns = [...groupColumns];
    const names = first.groupBy.map((g) => g.as);
    for (const measure of spec.measures) {
      const as = `f${i}_${measure.as}`;
      if (as.length > MAX_OUTPUT_NAME || own.length + measure.where.length > MAX_MEASURE_FILTERS) return null;
      columns.push(groupColumns.length + measures.length);
      names.push(measure.as);
      measures.push({ ...measure, as, where: [...own, ...measure.where] });
    }
    const part: FoldedPart = { columns, names };
    if (grouped) {
      if (own.length > MAX_MEASURE_FILTERS) return null;
      part.presence = groupColumns.length + measures.length;
      measures.push({ op: 'count', as: `f${i}__rows`, where: own });
    }
    parts.push(part);
  }
  if (measures.length > MAX_MEASURES) return null;
  return { spec: { ...first, where: common.map(([, f]) => f), measures }, parts };
}

/** The folded query's result as the spec at `part` alone would have answered it. */
export function unfoldResult(result: QueryResult, part: FoldedPart): QueryResult {
  const { presence } = part;
  const rows = presence === undefined ? result.rows : result.rows.filter((row) => Number(row[presence] ?? 0) > 0);
  const columns = part.columns.map((i, k) => ({
    name: part.names[k] ?? '',
    type: result.columns[i]?.type ?? 'string',
  }));
  return {
    columns,
    rows: rows.map((row) => Object.freeze(part.columns.map((i) => row[i])) as unknown[]),
    truncated: false,
  };
}
