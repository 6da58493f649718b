import { createHash } from 'node:crypto';
import type { ParsedQuerySpec } from '@cdp/contracts';
import { quoteIdent } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoreColumn, StoredDataset } from '../dataset-store.ts';
import { datasetSource } from '../protected-source.ts';
import { filterConditions } from './compile-filter.ts';
import { type DatasetResolver, QueryScope, type Source } from './query-scope.ts';
import { and, type Sql } from './sql.ts';

/**
 * Base tables: the rows of a large dataset that pass a widget's own row filters (ALT rows of a
 * 1,000,000-row LB), with only the columns its query names, kept in the query engine's DuckDB as a
 * table, so the next filter change reads those rows instead of the Parquet file.
 *
 * A spec's query is unchanged but for its FROM source and the filters the base applied:
 * `read_parquet(lb) AS t0` becomes the base table `AS t0`, and the conditions on the FROM dataset's
 * columns alone are left out (`BasePlan.rest`). The answer is the same: the base holds exactly the
 * rows of the file for which those conditions' SQL is true (FROM is the preserved side of the
 * query's LEFT and INNER joins, so the query would apply them to FROM's rows alone anyway), and
 * every column of it the query names. The dashboard's filters on other datasets (age on DM, a
 * clicked body system on AE) are joins and semi-joins of the query, not part of the base, so one
 * base serves every filter state.
 *
 * The key is the data (`cacheKey`), how the file reads for this reader (file, encryption key,
 * sealed and masked columns: `viewOf`), the columns, and the compiled SQL and values of the base's
 * filters: any filter kind the compiler knows is keyed by what it compiles to, with nothing to add
 * here. A reader who reads PHI in clear never uses one (each such read is logged per request).
 */

export interface BasePlan {
  key: string;
  /** The spec's FROM dataset as the reader sees it. */
  from: StoredDataset;
  fromName: string;
  /** The FROM columns the spec names, in the dataset's order. */
  columns: StoreColumn[];
  /** `WHERE` of the base (the spec's filters on FROM columns alone), over `… AS t0`. */
  where: Sql;
  /**
   * Columns also held as an integer key (`hash` of the value, null for null), each under its own
   * name: the keyed copies of small datasets (`keyed-copies.ts`).
   */
  keys?: Array<{ column: string; key: string }>;
  /** The largest share of the dataset's rows this base may hold, when not the tables' own (`maxShare`). */
  maxShare?: number;
  /**
   * The spec's `where` without the filters the base applied: every row of the base passes those
   * already (its WHERE is their compiled SQL), so a query over the base need not test them again
   * (ALT's `starts_with(lower(LBTEST), …)` on every row: 10% of ALT by Visit's CPU, docs/decisions.md).
   */
  rest?: ParsedQuerySpec['where'];
}

/** Every `{ dataset, column }` reference in a spec, wherever it is (groups, measures, filters, join keys…). */
function columnRefs(value: unknown, out: Array<{ dataset: string; column: string }> = []) {
  if (Array.isArray(value)) {
    for (const item of value) columnRefs(item, out);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.dataset === 'string' && typeof record.column === 'string') {
      out.push({ dataset: record.dataset, column: record.column });
    }
    for (const item of Object.values(record)) columnRefs(item, out);
  }
  return out;
}

const VIEWS = new WeakMap<StoredDataset, string>();

/** A digest of how a dataset reads for its reader (file, key, sealed and masked columns), once per dataset object. */
export function viewOf(dataset: StoredDataset): string {
  const known = VIEWS.get(dataset);
  if (known) return known;
  const view = createHash('sha256')
    .update(JSON.stringify([dataset.file, dataset.encryptionKey ?? null, dataset.sealed ?? null, dataset.columns]))
    .digest('hex');
  VIEWS.set(dataset, view);
  return view;
}

const jsonValue = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

/**
 * The base a spec's query may read instead of its FROM file, or null: not an aggregate, FROM too
 * small (fewer than `minRows` rows, or unknown), no filter of FROM's own, a dataset read with PHI in
 * clear, or FROM named again by a join or semi-join (which must read the whole file).
 */
export function basePlan(
  spec: ParsedQuerySpec,
  datasets: DatasetResolver,
  cacheKey: string,
  minRows: number,
): BasePlan | null {
  if (spec.select.length > 0) return null;
  const from = datasets(spec.from);
  if (!from || from.table !== undefined || (from.rows ?? 0) < minRows) return null;
  const fromName = spec.from.toUpperCase();
  const others = [...spec.joins.map((j) => j.dataset), ...spec.exists.map((e) => e.dataset)];
  if (others.some((name) => name.toUpperCase() === fromName)) return null;
  if ([spec.from, ...others].some((name) => datasets(name)?.onRead !== undefined)) return null;
  const own = spec.where.filter((f) => {
    const refs = columnRefs(f);
    return refs.length > 0 && refs.every((r) => r.dataset.toUpperCase() === fromName);
  });
  if (own.length === 0) return null;
  const named = new Set(
    columnRefs(spec)
      .filter((r) => r.dataset.toUpperCase() === fromName)
      .map((r) => r.column.toUpperCase()),
  );
  const columns = from.columns.filter((c) => named.has(c.name.toUpperCase()));
  // A name the dataset does not have: the query's own compile says which; no base for it.
  if (columns.length !== named.size) return null;
  const source: Source = { name: spec.from, alias: 't0', dataset: { ...from, columns } };
  let where: Sql;
  try {
    where = and(filterConditions(own, new QueryScope([source], () => 'outside the base'), 'where'));
  } catch {
    return null;
  }
  const key = [
    cacheKey,
    viewOf(from),
    columns.map((c) => c.name).join('\u0001'),
    where.text,
    JSON.stringify(where.params, jsonValue),
  ].join('\n');
  const rest = spec.where.filter((f) => !own.includes(f));
  return { key, from, fromName, columns, where, rest };
}

interface Entry {
  name: string;
  ready: Promise<number>;
  bytes: number;
  built: boolean;
  /** Holds too large a share of its dataset: used by no query, dropped by its last user. */
  refused: boolean;
  users: number;
  /** Forgotten (evicted) while in use: dropped when its last user is done. */
  evicted: boolean;
}

export interface BaseTablesOptions {
  /** Estimated bytes all base tables may hold together; the least recently used are dropped first. */
  budgetBytes: number;
  /** The largest share of its dataset's rows a base may hold (`MAX_BASE_SHARE` by default). */
  maxShare?: number;
}

/**
 * A base keeps at most this share of its dataset's rows. One that would hold more saves too little
 * reading for the memory it takes (a filter on non-missing values keeps nearly all of LB): it is
 * built with a LIMIT one past this share, so finding that out costs a partial scan, and its key is
 * remembered so the spec is read from the file from then on.
 */
export const MAX_BASE_SHARE = 0.2;
/** Plans found not worth a base, remembered (the oldest forgotten first). */
const REFUSED_KEYS = 1000;

/**
 * The base tables of one DuckDB database, by plan key, within a memory budget. A table in use is
 * never dropped under its query: eviction forgets it, and the last user drops it.
 */
export class BaseTables {
  private readonly entries = new Map<string, Entry>();
  private readonly refused = new Set<string>();
  private made = 0;
  private held = 0;

  constructor(private readonly options: BaseTablesOptions) {}

  /** Whether a table for this plan key was found to hold too large a share of its dataset (`maxShare`). */
  isRefused(key: string): boolean {
    return this.refused.has(key);
  }

  /** Estimated bytes held now, and how many tables (for tests and metrics). */
  get usage(): { bytes: number; tables: number } {
    return { bytes: this.held, tables: this.entries.size };
  }

  /**
   * Runs `work` with a resolver in which the plan's FROM dataset reads its base table (made on
   * this connection first when no other query has made it). Null when no base can serve: it failed
   * to build, or it is larger than the whole budget.
   */
  async use<T>(
    connection: DuckDBConnection,
    plan: BasePlan,
    datasets: DatasetResolver,
    work: (datasets: DatasetResolver) => Promise<T>,
  ): Promise<{ value: T } | null> {
    if (this.refused.has(plan.key)) return null;
    let entry = this.entries.get(plan.key);
    if (entry) {
      // Most recently used last.
      this.entries.delete(plan.key);
      this.entries.set(plan.key, entry);
    } else {
      entry = {
        name: `cdp_base_${++this.made}`,
        ready: Promise.resolve(0),
        bytes: 0,
        built: false,
        refused: false,
        users: 0,
        evicted: false,
      };
      entry.ready = this.build(connection, plan, entry);
      this.entries.set(plan.key, entry);
    }
    entry.users++;
    try {
      try {
        await entry.ready;
      } catch {
        return null;
      }
      if (entry.evicted && (entry.bytes > this.options.budgetBytes || entry.refused)) return null;
      const table = entry.name;
      const base: StoredDataset = { ...plan.from, columns: plan.columns, table };
      const upper = plan.fromName;
      return { value: await work((name) => (name.toUpperCase() === upper ? base : datasets(name))) };
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) await this.drop(connection, entry);
    }
  }

  private async build(connection: DuckDBConnection, plan: BasePlan, entry: Entry): Promise<number> {
    try {
      const keys = (plan.keys ?? []).map(({ column, key }) => {
        const value = `t0.${quoteIdent(column)}`;
        return `CASE WHEN ${value} IS NULL THEN NULL ELSE hash(${value}) END AS ${quoteIdent(key)}`;
      });
      const list = [...plan.columns.map((c) => `t0.${quoteIdent(c.name)}`), ...keys].join(', ');
      const source = datasetSource(plan.from, { reads: [] });
      const most = Math.floor((plan.from.rows ?? 0) * (plan.maxShare ?? this.options.maxShare ?? MAX_BASE_SHARE));
      await connection.run(
        `CREATE TABLE ${quoteIdent(entry.name)} AS SELECT ${list} FROM ${source} AS t0 WHERE ${plan.where.text} LIMIT ${most + 1}`,
        [...plan.where.params],
      );
      const keyColumns = (plan.keys ?? []).map(({ key }) => ({ name: key, type: 'integer' }));
      const measured = await this.measure(connection, entry.name, [...plan.columns, ...keyColumns]);
      entry.bytes = measured.bytes;
      if (measured.rows > most) this.refuse(plan.key, entry);
    } catch (error) {
      if (this.entries.get(plan.key) === entry) this.entries.delete(plan.key);
      await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(entry.name)}`).catch(() => undefined);
      throw error;
    }
    entry.built = true;
    if (entry.refused) return entry.bytes;
    this.held += entry.bytes;
    await this.evict(connection);
    return entry.bytes;
  }

  /**
   * Rows × 8 bytes per column, plus each text column's characters: what DuckDB holds, roughly
   * (dictionary compression makes it less; the estimate errs on the side of dropping early).
   */
  private async measure(
    connection: DuckDBConnection,
    table: string,
    columns: StoreColumn[],
  ): Promise<{ rows: number; bytes: number }> {
    const text = columns.filter((c) => c.type === 'string' || c.masked);
    const sums = text.map((c) => `coalesce(sum(strlen(CAST(${quoteIdent(c.name)} AS VARCHAR))), 0)`);
    const reader = await connection.runAndReadAll(
      `SELECT count(*)${sums.map((s) => `, ${s}`).join('')} FROM ${quoteIdent(table)}`,
    );
    const [rows = 0, ...chars] = (reader.getRowsJson()[0] ?? []).map(Number);
    return { rows, bytes: rows * 8 * Math.max(1, columns.length) + chars.reduce((a, b) => a + b, 0) };
  }

  /** Not worth a base: forgotten now (dropped by its last user), its key remembered. */
  private refuse(key: string, entry: Entry): void {
    entry.refused = true;
    entry.evicted = true;
    if (this.entries.get(key) === entry) this.entries.delete(key);
    this.refused.add(key);
    if (this.refused.size > REFUSED_KEYS) {
      const [oldest] = this.refused;
      if (oldest !== undefined) this.refused.delete(oldest);
    }
  }

  /** Forgets the least recently used tables until the budget holds; those in use are dropped later. */
  private async evict(connection: DuckDBConnection): Promise<void> {
    for (const [key, entry] of this.entries) {
      if (this.held <= this.options.budgetBytes) return;
      // Still building: its size is not counted yet.
      if (!entry.built) continue;
      this.entries.delete(key);
      entry.evicted = true;
      this.held -= entry.bytes;
      if (entry.users === 0) await this.drop(connection, entry);
    }
  }

  private async drop(connection: DuckDBConnection, entry: Entry): Promise<void> {
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(entry.name)}`).catch(() => undefined);
  }
}
