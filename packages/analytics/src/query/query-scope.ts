import type { ColumnRef } from '@cdp/contracts';
import { quoteIdent } from '@cdp/formats';
import type { StoreColumn, StoredDataset } from '../dataset-store.ts';
import { datasetSource } from '../protected-source.ts';
import { QueryError } from '../query-error.ts';
import { raw, type Sql } from './sql.ts';

/**
 * Finds a data version's dataset by name. Names match case-insensitively (`dm` finds `DM`): the
 * resolver is expected to do that, as a map keyed by upper-cased name does.
 */
export type DatasetResolver = (name: string) => StoredDataset | undefined;

/** A dataset read by the query under a table alias (`t0`, `t1`… for FROM and joins, `e0`… for exists). */
export interface Source {
  name: string;
  alias: string;
  dataset: StoredDataset;
}

/** A column a spec named, checked and qualified by its table alias. */
export interface ResolvedColumn {
  column: StoreColumn;
  source: Source;
  sql: Sql;
}

export function findDataset(datasets: DatasetResolver, name: string, param: string): StoredDataset {
  const dataset = datasets(name);
  if (!dataset) throw new QueryError(`${param}: there is no dataset "${name}" in this data version`, param);
  return dataset;
}

/** `read_parquet('…') AS t0` (masked PHI columns replaced: `datasetSource`): the file name is quoted, the alias is ours. */
export function tableOf(source: Source): Sql {
  // Each column is noted for the PHI access log when the query names it (`columnOf`), not here.
  return raw(`${datasetSource(source.dataset, { reads: [] })} AS ${source.alias}`);
}

export function columnOf(source: Source, name: string, param: string): ResolvedColumn {
  const { columns } = source.dataset;
  const column =
    columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!column) throw new QueryError(`${param}: no column "${name}" in dataset ${source.name}`, param);
  source.dataset.onRead?.([column.name]);
  return { column, source, sql: raw(`${source.alias}.${quoteIdent(column.name)}`) };
}

/**
 * The datasets a part of the query may refer to. A `ColumnRef` names its dataset, so each dataset
 * can be in a scope once (the contract has no aliases, so a self-join could not say which side it means).
 */
export class QueryScope {
  constructor(
    readonly sources: readonly Source[],
    /** How the error for a dataset outside the scope explains what the scope is. */
    private readonly outside: (dataset: string) => string,
    /**
     * Columns (by name as stored) of the scope's only source whose non-null values are all
     * different across the rows the scope reads: a count of distinct values of one is a count of
     * values (`count_distinct` in `compile-aggregate.ts`). Set only when no join can repeat a row.
     */
    readonly unique?: ReadonlySet<string>,
  ) {}

  /** Whether `target`'s non-null values are all different across the rows this scope reads. */
  isUnique(target: ResolvedColumn): boolean {
    return (
      this.unique !== undefined &&
      this.sources.length === 1 &&
      target.source === this.sources[0] &&
      this.unique.has(target.column.name)
    );
  }

  /** The error text for a dataset this scope does not hold. */
  outsideOf(dataset: string): string {
    return this.outside(dataset);
  }

  find(name: string): Source | undefined {
    const lower = name.toLowerCase();
    return this.sources.find((s) => s.name.toLowerCase() === lower);
  }

  column(ref: ColumnRef, param: string): ResolvedColumn {
    const source = this.find(ref.dataset);
    if (!source) throw new QueryError(`${param}: ${this.outside(ref.dataset)}`, param);
    return columnOf(source, ref.column, param);
  }

  /**
   * The integer key standing for the column's values (`StoredDataset.keys`), for a count of its
   * distinct values; none when the column has no key or is unique here (counted without DISTINCT).
   */
  keyOf(ref: ColumnRef, param: string): Sql | undefined {
    const target = this.column(ref, param);
    return this.isUnique(target) ? undefined : keyColumn(target);
  }
}

/** `t0."cdp_key_0"`: the key column of a resolved column whose dataset has one for it. */
export function keyColumn(target: ResolvedColumn): Sql | undefined {
  const key = target.source.dataset.keys?.[target.column.name];
  return key === undefined ? undefined : raw(`${target.source.alias}.${quoteIdent(key)}`);
}

/**
 * The columns of `inner` read through the rows of a CTE (`base AS b`) that selected each of them
 * once, as `b.c0`, `b.c1`…: expressions compiled in this scope read those rows, not the files.
 * `picked` is the CTE's select list, in order; a column named twice is selected once.
 */
export class PickedScope extends QueryScope {
  readonly picked: Sql[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly inner: QueryScope) {
    // The CTE holds the inner scope's rows one for one, so what is unique there is unique here.
    super(inner.sources, (dataset) => inner.outsideOf(dataset), inner.unique);
  }

  override column(ref: ColumnRef, param: string): ResolvedColumn {
    const resolved = this.inner.column(ref, param);
    return { ...resolved, sql: this.pick(resolved.sql) };
  }

  override keyOf(ref: ColumnRef, param: string): Sql | undefined {
    const key = this.inner.keyOf(ref, param);
    return key === undefined ? undefined : this.pick(key);
  }

  /** `b.cN` for an expression of the inner scope, selected once by the CTE. */
  private pick(expr: Sql): Sql {
    let i = this.index.get(expr.text);
    if (i === undefined) {
      i = this.picked.length;
      this.index.set(expr.text, i);
      this.picked.push(raw(`${expr.text} AS c${i}`));
    }
    return raw(`b.c${i}`);
  }
}
