import { z } from 'zod';

/**
 * The analytics query spec: what a widget asks of a study's active data version. It is compiled by
 * `@cdp/analytics` to parameterised DuckDB SQL over the version's Parquet files. Dataset and column
 * names are checked against the version's schema and quoted by the compiler; values are parameters.
 *
 * Names: dataset names match case-insensitively (`dm` finds `DM`); column names likewise within their
 * dataset. Output names (`as`) are what the result's columns are called and what `orderBy` and `topN`
 * refer to; they must be unique within a spec.
 */

const Name = z.string().min(1).max(128);
const OutputName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'an output name is a letter or underscore, then letters, digits or underscores',
  );

/** A column of one of the datasets in the query. */
export const ColumnRef = z.strictObject({ dataset: Name, column: Name });
export type ColumnRef = z.infer<typeof ColumnRef>;

export const QUERY_FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'in',
  'nin',
  'between',
  'contains',
  'starts',
  'null',
  'notnull',
] as const;
export const QueryFilterOp = z.enum(QUERY_FILTER_OPS);
export type QueryFilterOp = z.infer<typeof QueryFilterOp>;

const Scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
/** `in`/`nin`: an array; `between`: `[low, high]` (inclusive; either may be null for open-ended); `null`/`notnull`: none. */
export const FilterValue = z.union([Scalar, z.array(z.union([Scalar, z.null()])).max(1000)]).optional();

/**
 * Compare with another column of the same row instead of a value: `column op times × against`
 * (ALT above 3 × its own record's ULN; a lab date after the subject's first dose). Only with
 * `eq`, `ne`, `lt`, `le`, `gt`, `ge` and no `value`. Numbers compare as numbers (`times` scales
 * the other side); dates, datetimes and ISO-8601 text compare as dates (first 10 characters of
 * text; `times` must be 1). A row missing either side never passes (`ne` included).
 */
export const FilterAgainst = z.strictObject({ column: ColumnRef, times: z.number().positive().optional() });
export type FilterAgainst = z.infer<typeof FilterAgainst>;

export const QueryFilter = z.strictObject({
  column: ColumnRef,
  op: QueryFilterOp,
  value: FilterValue,
  against: FilterAgainst.optional(),
});
export type QueryFilter = z.infer<typeof QueryFilter>;

/** `left` is a column already in the query, `right` a column of the joined dataset. */
export const JoinKey = z.strictObject({ left: ColumnRef, right: Name });

/** Rows of `dataset` joined to the query (many-to-one joins keep the row count; the compiler does not check this). */
export const QueryJoin = z.strictObject({
  dataset: Name,
  kind: z.enum(['left', 'inner']).default('left'),
  on: z.array(JoinKey).min(1).max(4),
});
export type QueryJoin = z.input<typeof QueryJoin>;

/**
 * Semi-join: keep the query's rows for which at least one row of `dataset` matches `on` and passes
 * `where` (whose columns must all be of `dataset`). This is how a filter on another dataset's column
 * (subjects with a serious AE, say) restricts a query without multiplying its rows.
 */
export const QueryExists = z.strictObject({
  dataset: Name,
  on: z.array(JoinKey).min(1).max(4),
  where: z.array(QueryFilter).max(50).default([]),
  /** `true`: keep rows with NO match (NOT EXISTS). */
  negate: z.boolean().default(false),
});
export type QueryExists = z.input<typeof QueryExists>;

/**
 * Keep only the rows whose subject is in (`in`) or not in (`not_in`) a set of subject ids: the
 * subjects a monitor has reviewed, say, or has not. `column` (the subject id) must be a column of
 * the FROM dataset or a joined one; it is compared as text with trailing blanks ignored. The ids
 * travel as one bound value whatever their number. `not_in` is the exact complement of `in`: a row
 * with no subject id is kept by `not_in`.
 */
export const QuerySubjectSet = z.strictObject({
  column: ColumnRef,
  keep: z.enum(['in', 'not_in']),
  ids: z.array(z.string().max(200)).max(1_000_000),
});
export type QuerySubjectSet = z.infer<typeof QuerySubjectSet>;

export const TIME_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export const TimeBucket = z.enum(TIME_BUCKETS);
export type TimeBucket = z.infer<typeof TimeBucket>;

/**
 * A group-by column. `bucket` truncates a date or datetime (ISO-8601 text such as SDTM `--DTC` works:
 * its first 10 characters are read as a date; partial dates become null) to the start of the period.
 * `bins` puts a number into fixed-width bins (`floor(x / width) * width`, reported as the bin's low edge).
 */
export const QueryGroup = z.strictObject({
  column: ColumnRef,
  as: OutputName,
  bucket: TimeBucket.optional(),
  binWidth: z.number().positive().optional(),
});
export type QueryGroup = z.infer<typeof QueryGroup>;

export const MEASURE_OPS = [
  'count',
  'count_distinct',
  'sum',
  'mean',
  'min',
  'max',
  'median',
  'percentile',
  'stddev',
  'whisker_low',
  'whisker_high',
  'outliers',
] as const;
export const MeasureOp = z.enum(MEASURE_OPS);
export type MeasureOp = z.infer<typeof MeasureOp>;

/**
 * An aggregate. `count` without a column counts rows; with one, non-null values. `percentile` needs
 * `p` in [0, 1] (continuous, as `quantile_cont`). `where` restricts the rows this measure sees
 * (`FILTER (WHERE …)`), so one query can count all AEs and serious AEs side by side. `min`/`max` of
 * a date keep the date type; `mean`, `median`, `percentile`, `stddev` need a number column.
 * Box plots (Tukey): `whisker_low` / `whisker_high` are the most extreme values within 1.5 × IQR of
 * the quartiles; `outliers` lists the values beyond them, ascending, as text (`"1.5, 210"`, at most
 * 200 values; count them with `count` and the whiskers when you need how many).
 */
export const QueryMeasure = z.strictObject({
  op: MeasureOp,
  column: ColumnRef.optional(),
  as: OutputName,
  p: z.number().min(0).max(1).optional(),
  /**
   * Aggregate `column ÷ per`, row by row, instead of `column` (null where `per` is missing or 0):
   * the peak ALT as a multiple of each record's own ULN when the ULN differs between records.
   * Both number columns; not for `count` or `count_distinct`.
   */
  per: ColumnRef.optional(),
  where: z.array(QueryFilter).max(20).default([]),
});
export type QueryMeasure = z.input<typeof QueryMeasure>;

/** A plain column for row-level queries (listings). */
export const QuerySelect = z.strictObject({ column: ColumnRef, as: OutputName });
export type QuerySelect = z.infer<typeof QuerySelect>;

export const QueryOrder = z.strictObject({ key: OutputName, dir: z.enum(['asc', 'desc']).default('asc') });

/**
 * Keep the `n` groups of `key` with the largest `by` measure; every other group is merged into one
 * group labelled `other` (the measures are recomputed over the merged rows, so distinct counts stay
 * right). Only with `groupBy`. `keysInOther` names an extra output: on the Other rows, how many
 * values of `key` (a missing one counts as one) were merged into Other over all rows of the query;
 * null on the other rows.
 */
export const QueryTopN = z.strictObject({
  key: OutputName,
  by: OutputName,
  n: z.number().int().min(1).max(1000),
  other: z.string().max(100).default('Other'),
  keysInOther: OutputName.optional(),
});

/**
 * Either an aggregate query (`groupBy` and/or `measures`) or a row query (`select`, optionally
 * `distinct`). Results are at most 10,000 rows; `limit` lowers that. `withTotal` adds the number of
 * result rows before `limit`/`offset` (for paged tables).
 */
export const QuerySpec = z.strictObject({
  from: Name,
  joins: z.array(QueryJoin).max(8).default([]),
  where: z.array(QueryFilter).max(100).default([]),
  exists: z.array(QueryExists).max(20).default([]),
  subjectSets: z.array(QuerySubjectSet).max(4).default([]),
  select: z.array(QuerySelect).max(200).default([]),
  distinct: z.boolean().default(false),
  groupBy: z.array(QueryGroup).max(8).default([]),
  measures: z.array(QueryMeasure).max(50).default([]),
  orderBy: z.array(QueryOrder).max(8).default([]),
  limit: z.number().int().min(1).max(10_000).optional(),
  offset: z.number().int().min(0).default(0),
  topN: QueryTopN.optional(),
  withTotal: z.boolean().default(false),
});
export type QuerySpec = z.input<typeof QuerySpec>;
export type ParsedQuerySpec = z.output<typeof QuerySpec>;

export const RESULT_COLUMN_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'time'] as const;
export const ResultColumnType = z.enum(RESULT_COLUMN_TYPES);
export type ResultColumnType = z.infer<typeof ResultColumnType>;

/**
 * Cells as JSON: numbers (bigints that fit, else strings), dates `YYYY-MM-DD`, datetimes
 * `YYYY-MM-DDTHH:MM:SS(.sss)`, times `HH:MM:SS`, null for missing.
 */
export const QueryResult = z.object({
  columns: z.array(z.object({ name: z.string(), type: ResultColumnType })),
  rows: z.array(z.array(z.unknown())),
  /** With `withTotal`: result rows before limit and offset. */
  total: z.number().int().optional(),
  /** The 10,000-row cap (or `limit`) cut the result. */
  truncated: z.boolean(),
});
export type QueryResult = z.infer<typeof QueryResult>;
