import type { ParsedQuerySpec } from '@cdp/contracts';
import { quoteIdent } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoredDataset } from '../dataset-store.ts';
import { type BasePlan, type BaseTables, basePlan, viewOf } from './base-tables.ts';
import { filterConditions } from './compile-filter.ts';
import { LruCache } from './lru-cache.ts';
import { type DatasetResolver, QueryScope } from './query-scope.ts';
import { and, raw, type Sql } from './sql.ts';

/**
 * Keyed copies: a small dataset (DM, AE, DS: fewer rows than the base tables' minimum) copied whole
 * into the query engine's DuckDB, as the reader sees it, with an integer key beside its subject id
 * (`USUBJID`) and any other text column the query matches on or counts distinct values of. An event
 * dataset joined to DM on the subject id, a semi-join from DM to AE and a count of distinct subjects
 * then compare and hash 64-bit integers instead of text (about half the DuckDB work of such a query,
 * docs/decisions.md "Keyed copies").
 *
 * The key is DuckDB's `hash` of the value (null for null). It is used only when it is one to one over
 * every keyed value of every dataset of the query, which is checked once per set of copies
 * (`count(DISTINCT value) = count(DISTINCT key)` over all of them): then two keys are equal exactly
 * when their values are, and a count of distinct keys is the count of distinct values. A set that
 * fails the check (a hash collision) reads the copies without keys, comparing text as before.
 *
 * The copies live in the base tables' store (same budget, same eviction, dropped by their last
 * user) under the data version's `cacheKey`, how the file reads for this reader (`viewOf`) and the
 * key columns. A reader who reads PHI in clear never uses one (each such read is logged per request).
 *
 * Filtered copies for semi-joins: a semi-join on one key with filters of its own (Site Summary's
 * "subjects with a serious AE": `key IN (SELECT key FROM ae WHERE upper(trim(AESER)) IN ('Y'))`)
 * reads a copy holding only the rows that pass those filters, so each page does not test them on
 * every row again: the page's filters are on the other side of the semi-join, so one such copy
 * serves every filter state. The copy's WHERE is the filters' compiled SQL over the dataset as the
 * reader sees it (as a base table's is), its key is that SQL and its values beside the copy's own
 * key parts, and the semi-join over it has no filters left: the rows it matches are the same.
 * Filters that keep most rows (`USUBJID IS NOT NULL`) are not worth a second copy: see `FILTERED_SHARE`.
 *
 * Likewise a query whose FROM dataset is joined to others (DS joined to DM for the page's filters)
 * and has filters on FROM's columns alone (`DSCAT = 'DISPOSITION EVENT'`) reads a copy of FROM
 * holding only the rows that pass them, by the base tables' rule (`basePlan`: FROM is the preserved
 * side of every join, so those filters may be applied to its rows first; the query keeps the rest).
 * Only a joined FROM: a query of one dataset alone (DM) has the page's filters among its own, which
 * would make a copy per filter state.
 */

/**
 * A filtered copy holds at most this share of its dataset's rows. One that would hold more saves
 * little over the whole copy: it is refused once (that query reads the files) and remembered, and
 * the whole copy serves from then on.
 */
const FILTERED_SHARE = 0.5;
/** The column that gets a key in every copy that has it: SDTM's and ADaM's subject id. */
const SUBJECT_ID = 'USUBJID';
/** Sets of copies whose keys were checked, remembered (the oldest forgotten first). */
const CHECKED_SETS = 1000;

/** Every column name (upper-cased) the spec matches on or counts distinct values of, by dataset (upper-cased). */
function keyedNames(spec: ParsedQuerySpec): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const add = (dataset: string, column: string) => {
    const upper = dataset.toUpperCase();
    const set = names.get(upper) ?? new Set<string>();
    set.add(column.toUpperCase());
    names.set(upper, set);
  };
  for (const link of [...spec.joins, ...spec.exists]) {
    for (const key of link.on) {
      add(key.left.dataset, key.left.column);
      add(link.dataset, key.right);
    }
  }
  for (const measure of spec.measures) {
    if (measure.op === 'count_distinct' && measure.column && !measure.per) {
      add(measure.column.dataset, measure.column.column);
    }
  }
  return names;
}

/** Whether a dataset may be copied: of known size under `maxRows`, read from its file, no PHI in clear. */
function copyable(dataset: StoredDataset | undefined, maxRows: number): dataset is StoredDataset {
  if (!dataset || dataset.table !== undefined || dataset.onRead !== undefined) return false;
  return dataset.rows !== undefined && dataset.rows < maxRows;
}

/** The datasets a spec reads, one name per dataset however the spec spells it. */
function namesOf(spec: ParsedQuerySpec): string[] {
  const all = [spec.from, ...spec.joins.map((j) => j.dataset), ...spec.exists.map((e) => e.dataset)];
  return [...new Map(all.map((name) => [name.toUpperCase(), name])).values()];
}

/** The copy of one dataset the spec reads, or null when it gets none; `filtered`: only its rows where that SQL is true. */
function copyPlan(
  name: string,
  dataset: StoredDataset | undefined,
  named: ReadonlySet<string>,
  cacheKey: string,
  maxRows: number,
  filtered?: { fromName: string; where: Sql },
): BasePlan | null {
  if (!copyable(dataset, maxRows)) return null;
  const keyed = dataset.columns.filter(
    (c) => c.type === 'string' && !c.masked && (c.name.toUpperCase() === SUBJECT_ID || named.has(c.name.toUpperCase())),
  );
  const keys = keyed.map((c, i) => ({ column: c.name, key: `cdp_key_${i}` }));
  const where = filtered?.where ?? raw('TRUE');
  const parts = [cacheKey, viewOf(dataset), 'copy', ...keys.map((k) => k.column)];
  if (filtered) parts.push('where', where.text, JSON.stringify(where.params, jsonValue));
  return {
    key: parts.join('\n'),
    from: dataset,
    fromName: filtered?.fromName ?? name.toUpperCase(),
    columns: dataset.columns,
    where,
    keys,
    maxShare: 1,
  };
}

const jsonValue = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

/**
 * The copy of a joined FROM dataset holding only the rows that pass its own filters, and the spec's
 * filters left for the query over it; null when there is none to make (see the module's comment).
 */
function filteredFrom(
  spec: ParsedQuerySpec,
  datasets: DatasetResolver,
  named: Map<string, Set<string>>,
  cacheKey: string,
  maxRows: number,
): { plan: BasePlan; rest: ParsedQuerySpec['where'] } | null {
  if (spec.joins.length === 0) return null;
  const dataset = datasets(spec.from);
  if (!copyable(dataset, maxRows)) return null;
  const own = basePlan(spec, datasets, cacheKey, 0);
  if (!own) return null;
  const fromName = spec.from.toUpperCase();
  const plan = copyPlan(spec.from, dataset, named.get(fromName) ?? new Set(), cacheKey, maxRows, {
    fromName,
    where: own.where,
  });
  return plan ? { plan: { ...plan, maxShare: FILTERED_SHARE }, rest: own.rest ?? [] } : null;
}

/** The name a semi-join's filtered copy is resolved by (no dataset name holds a NUL). */
const filteredName = (index: number) => `\u0000EXISTS${index}`;

/**
 * The spec with each semi-join on one key that has filters of its own (over a dataset that may be
 * copied) reading a filtered copy instead, and the plans of those copies. The filters are compiled
 * as the compiler compiles them, over the dataset as the reader sees it; one that does not compile
 * (a filter on a masked column) leaves its semi-join as it was, so the query's own compile reports it.
 */
function filteredSemiJoins(
  spec: ParsedQuerySpec,
  datasets: DatasetResolver,
  named: Map<string, Set<string>>,
  cacheKey: string,
  maxRows: number,
  refused: (key: string) => boolean,
): { spec: ParsedQuerySpec; plans: BasePlan[] } {
  const plans: BasePlan[] = [];
  const exists = spec.exists.map((link, index) => {
    if (link.on.length !== 1 || link.where.length === 0) return link;
    const dataset = datasets(link.dataset);
    if (!copyable(dataset, maxRows)) return link;
    let where: Sql;
    try {
      const scope = new QueryScope([{ name: link.dataset, alias: 't0', dataset }], () => 'outside the semi-join');
      where = and(filterConditions(link.where, scope, `exists[${index}].where`));
    } catch {
      return link;
    }
    const fromName = filteredName(index);
    const own = named.get(link.dataset.toUpperCase()) ?? new Set<string>();
    const plan = copyPlan(link.dataset, dataset, own, cacheKey, maxRows, { fromName, where });
    if (!plan || refused(plan.key)) return link;
    plans.push({ ...plan, maxShare: FILTERED_SHARE });
    return { ...link, dataset: fromName, where: [] };
  });
  return plans.length === 0 ? { spec, plans } : { spec: { ...spec, exists }, plans };
}

export class KeyedCopies {
  /** Per set of copies (their tables and key columns): whether the keys are one to one over all of them. */
  private readonly checked = new LruCache<Promise<boolean>>(CHECKED_SETS);
  /**
   * Queries read through copies, of those through their keys, semi-joins read from filtered copies,
   * and queries whose FROM was a filtered copy: for tests.
   */
  readonly reads = { copies: 0, keyed: 0, filtered: 0, filteredFrom: 0 };

  constructor(
    private readonly bases: BaseTables,
    /** Datasets with at least this many rows are not copied (the base tables serve those). */
    private readonly maxRows: number,
  ) {}

  /** Whether `use` would read the spec through copies (if they can be built): the query engine compiles it against them then, not the files. */
  applies(spec: ParsedQuerySpec, datasets: DatasetResolver): boolean {
    if (spec.select.length > 0) return false;
    const read = namesOf(spec).map((name) => datasets(name));
    if (read.some((d) => d?.onRead !== undefined)) return false;
    return read.some((d) => copyable(d, this.maxRows));
  }

  /**
   * Runs `work` with a resolver in which every small dataset the spec reads is its keyed copy (made
   * on this connection first when no other query has made it), with `keys` set when they were found
   * one to one, and the spec to compile against it: the given one, or with its filtered semi-joins
   * reading their filtered copies. Null when no copy can serve (none applies, or one failed to
   * build): the caller reads the files.
   */
  async use<T>(
    connection: DuckDBConnection,
    spec: ParsedQuerySpec,
    datasets: DatasetResolver,
    cacheKey: string,
    work: (datasets: DatasetResolver, spec: ParsedQuerySpec) => Promise<T>,
  ): Promise<{ value: T } | null> {
    if (spec.select.length > 0) return null;
    const names = namesOf(spec);
    // One reader's PHI in clear anywhere in the query: its reads are logged per request, never copied.
    if (names.some((name) => datasets(name)?.onRead !== undefined)) return null;
    const named = keyedNames(spec);
    const from = filteredFrom(spec, datasets, named, cacheKey, this.maxRows);
    const fromCopy = from && !this.bases.isRefused(from.plan.key) ? from : null;
    const whole = names
      .map((name) =>
        fromCopy && name.toUpperCase() === fromCopy.plan.fromName
          ? fromCopy.plan
          : copyPlan(name, datasets(name), named.get(name.toUpperCase()) ?? new Set(), cacheKey, this.maxRows),
      )
      .filter((plan): plan is BasePlan => plan !== null);
    if (whole.length === 0) return null;
    const filtered = filteredSemiJoins(
      fromCopy ? { ...spec, where: fromCopy.rest } : spec,
      datasets,
      named,
      cacheKey,
      this.maxRows,
      (key) => this.bases.isRefused(key),
    );
    const plans = [...whole, ...filtered.plans];
    return this.nest(connection, plans, datasets, async (copied) => {
      const keyed = await this.keyed(connection, plans, copied);
      this.reads.copies++;
      this.reads.filtered += filtered.plans.length;
      if (fromCopy) this.reads.filteredFrom++;
      if (!keyed) return work(copied, filtered.spec);
      this.reads.keyed++;
      const withKeys = new Map<string, StoredDataset>();
      for (const plan of plans) {
        const copy = copied(plan.fromName);
        if (copy) withKeys.set(plan.fromName, { ...copy, keys: keysOf(plan) });
      }
      return work((name) => withKeys.get(name.toUpperCase()) ?? copied(name), filtered.spec);
    });
  }

  /** `bases.use` for each plan in turn, the resolver growing by one copy at each level. */
  private async nest<T>(
    connection: DuckDBConnection,
    plans: readonly BasePlan[],
    datasets: DatasetResolver,
    work: (datasets: DatasetResolver) => Promise<T>,
  ): Promise<{ value: T } | null> {
    const [first, ...rest] = plans;
    if (!first) return { value: await work(datasets) };
    let inner: { value: T } | null = null;
    const outer = await this.bases.use(connection, first, datasets, async (withFirst) => {
      inner = await this.nest(connection, rest, withFirst, work);
      return inner;
    });
    return outer?.value ?? null;
  }

  /** Whether the keys of these copies are one to one over all their keyed values (checked once per set). */
  private keyed(connection: DuckDBConnection, plans: readonly BasePlan[], copied: DatasetResolver): Promise<boolean> {
    const parts: string[] = [];
    for (const plan of plans) {
      const table = copied(plan.fromName)?.table;
      if (table === undefined) return Promise.resolve(false);
      for (const { column, key } of plan.keys ?? []) {
        parts.push(`SELECT ${quoteIdent(column)} AS v, ${quoteIdent(key)} AS k FROM ${quoteIdent(table)}`);
      }
    }
    if (parts.length === 0) return Promise.resolve(false);
    const setKey = [...parts].sort().join('\n');
    const known = this.checked.get(setKey);
    if (known) return known;
    // A check that fails to run counts as not one to one: the copies are read without keys.
    const check = connection
      .runAndReadAll(`SELECT count(DISTINCT v) = count(DISTINCT k) FROM (${parts.join(' UNION ALL ')})`)
      .then(
        (reader) => reader.getRowsJson()[0]?.[0] === true,
        () => false,
      );
    this.checked.set(setKey, check);
    return check;
  }
}

function keysOf(plan: BasePlan): Record<string, string> {
  return Object.fromEntries((plan.keys ?? []).map(({ column, key }) => [column, key]));
}
