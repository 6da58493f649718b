import type { ParsedQuerySpec, QueryResult, QuerySpec, ResultColumnType } from '@cdp/contracts';
import { type DuckDbLimits, type OpenDuckDb, openDuckDb, quoteIdent } from '@cdp/formats';
import {
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { StoreColumn, StoredDataset } from '../dataset-store.ts';
import { datasetSource } from '../protected-source.ts';
import { QueryError } from '../query-error.ts';
import { jsonCell } from '../values.ts';
import { type BasePlan, BaseTables, basePlan, viewOf } from './base-tables.ts';
import { type CompiledQuery, type CompileHints, compileParsed, parseQuerySpec } from './compile-query.ts';
import { type FoldedPart, foldable, foldBatch, foldSpecs, frameOf, unfoldResult } from './fold-specs.ts';
import { KeyedCopies } from './keyed-copies.ts';
import { LruCache } from './lru-cache.ts';
import type { DatasetResolver } from './query-scope.ts';
import { specKey } from './spec-key.ts';
import { type PartialPlan, partialPlan, sumPartial } from './subject-partials.ts';
import { WorkLimiter } from './work-limiter.ts';

export interface QueryEngineOptions extends DuckDbLimits {
  /** A query still running after this long is interrupted. Default 10 s. */
  timeoutMs?: number;
  /** Results kept in memory, the least recently used forgotten first. Default 500. */
  cacheEntries?: number;
  /**
   * Queries DuckDB runs at once; more wait in `order` (the time limit starts when a query
   * starts). Default 12. Identical queries never count twice: they share one run.
   */
  maxConcurrent?: number;
  /**
   * Fold aggregates of the same rows asked for together into one query (`fold-specs.ts`): default
   * true. False runs every spec as its own query (the tests compare both).
   */
  fold?: boolean;
  /**
   * With `fold`: when a turn comes, fold every waiting spec of the frame, whichever page asked for
   * it, not only those asked for in one turn of the event loop. Default true.
   */
  foldQueued?: boolean;
  /**
   * With `foldQueued`, in `page` or `cost` order: a fold turn takes the waiting specs of the pages
   * being served (tickets up to the latest one whose work has started, `WorkLimiter.served`) and of
   * at most this many later pages, so an early page's share is not held up by later pages' (they
   * get their own turns). 0: only pages being served. Default Infinity: every waiting spec.
   */
  foldWindow?: number;
  /**
   * Estimated bytes of base tables (`base-tables.ts`: a large dataset's rows passing a widget's own
   * filters, kept in DuckDB) held at once, least recently used dropped first. 0: none. Default 128 MiB.
   */
  baseTableBytes?: number;
  /** Datasets with fewer rows than this are read from their files every time. Default 100,000. */
  baseTableMinRows?: number;
  /** The largest share of its dataset's rows a base table may hold. Default 0.2 (`MAX_BASE_SHARE`). */
  baseTableMaxShare?: number;
  /**
   * Keep each connection's prepared statements by SQL text and run a query of a known shape by
   * binding its values (a page asks the same ~25 shapes with new filter values): DuckDB then parses,
   * binds and plans each shape once per connection. Default true.
   */
  prepared?: boolean;
  /**
   * Count distinct values of a column without DISTINCT when the engine has checked, once per file,
   * that the column repeats no value (USUBJID of DM or ADSL: `uniqueColumns` below). Default true;
   * false keeps every `count(DISTINCT …)` (the tests compare both).
   */
  uniqueCounts?: boolean;
  /**
   * Told of every query DuckDB ran: how long it waited for a turn (`maxConcurrent`) and how long it
   * then ran. Under load the two say whether an answer is late for want of a turn or of a core.
   */
  onQuery?: (timing: QueryTiming) => void;
  /**
   * Which waiting query gets the next turn. `page` (default): the one with the earliest ticket (`run`'s
   * `ticket`, one per page request from `ticket()`), so a page asked for earlier finishes before a later
   * one starts, whenever its queries reached the queue (folded ones wait a turn of the event loop,
   * first checks of a file longer). `cost`: the earliest ticket plus `COST_WEIGHT` times what the
   * query's shape (its SQL text) took lately, so quick answers of later pages overtake a slow query, which
   * waits at most that much longer. `arrival`: in the order queries reached the queue.
   */
  order?: 'page' | 'cost' | 'arrival';
  /**
   * Read datasets smaller than `baseTableMinRows` (DM, AE, DS) from in-memory copies with integer
   * keys for their subject ids (`keyed-copies.ts`), held within `baseTableBytes`. Default true;
   * false reads the files (the tests compare both).
   */
  keyedCopies?: boolean;
  /**
   * Answer counts filtered by number ranges on the subject dataset (a page's age range) by summing a
   * partial grouped by the filtered columns, one per data version and spec without those filters,
   * shared by every page (`subject-partials.ts`). Default true; false answers each spec by its own
   * query (the tests compare both).
   */
  partials?: boolean;
}

/** One DuckDB query's time waiting for a turn and then running, in milliseconds. */
export interface QueryTiming {
  waitMs: number;
  runMs: number;
}

/**
 * A spec to run, as asked for. Its SQL over the files (`plain`) is compiled when first needed, at
 * most once: a query read through a base table or keyed copies is compiled against those instead,
 * and one answered from the cache is not compiled at all (docs/decisions.md, "Compiled once").
 */
interface SpecSource {
  parsed: ParsedQuerySpec;
  datasets: DatasetResolver;
  cacheKey: string;
  plain?: CompiledQuery;
}

/** A foldable spec waiting to be answered, with its page's ticket. */
interface FoldMember {
  source: SpecSource;
  ticket: number | undefined;
  resolve: (result: QueryResult) => void;
  reject: (error: unknown) => void;
}
/**
 * The specs of one fold frame waiting for a query turn, in ticket order, and how many turns the
 * queue holds for them: each turn, when it comes, answers as many of them as one query can
 * (`foldBatch`), from whichever pages they came.
 */
interface FoldQueue {
  datasets: DatasetResolver;
  cacheKey: string;
  members: FoldMember[];
  turns: number;
}

export interface QueryRun {
  /** Shared with the cache: read it, never change it. */
  result: QueryResult;
  /** True when this call ran no query: the result came from the cache or from an identical query already running. */
  cached: boolean;
  ms: number;
}

/** The query was stopped at the engine's time limit. */
export class QueryTimeoutError extends QueryError {
  constructor(readonly timeoutMs: number) {
    super(
      `the query ran longer than ${timeoutMs / 1000} s and was stopped: narrow the filters or ask for fewer groups`,
      '',
    );
    this.name = 'QueryTimeoutError';
  }
}

/**
 * `order: 'cost'`: a query whose shape lately took c ms waits as if its page had been asked for
 * COST_WEIGHT × c ms later, so the quick answers of pages asked for in that time go first.
 */
const COST_WEIGHT = 10;
/** Query shapes whose recent cost is remembered (`order: 'cost'`), the oldest forgotten first. */
const COST_SHAPES = 2_000;

/**
 * Idle connections kept for the next queries, at least: as many as may run at once are kept
 * (`maxConcurrent`), because a closed connection takes its prepared statements with it, and every
 * query on a new one prepares its statement again (~0.6 ms of DuckDB's parse, bind and plan per
 * query: 12 ms of an Overview page when 12 ran at once and 4 connections were closed after each).
 */
const IDLE_CONNECTIONS = 8;
/** Partials' results kept (`partials`): a few per widget query shape and data version. */
const PARTIALS_KEPT = 256;
/** Prepared statements kept per connection, the least recently used destroyed first. */
const PREPARED_PER_CONNECTION = 64;
/** How often an interrupt is repeated until the query gives up (one sent before DuckDB starts the query is lost). */
const INTERRUPT_REPEAT_MS = 50;
/** How long `close` waits for running queries to stop before closing the database anyway. */
const CLOSE_WAIT_MS = 5_000;
/**
 * Datasets with more rows than this are never checked for unique columns: a dataset with one row
 * per subject (DM, ADSL) is far smaller, and an event dataset that large would repeat its ids anyway.
 */
const UNIQUE_CHECK_MAX_ROWS = 200_000;
/** Files whose checked columns are remembered (the oldest forgotten first). */
const UNIQUE_FILES = 1_000;

/** Cached results are shared by every caller: freezing them turns an accidental change into an error. */
function frozen<T extends object>(value: T): T {
  Object.freeze(value);
  return value;
}

/**
 * The fold group a spec joins (data, frame and how its datasets read for this reader), or null when
 * it runs alone: not foldable, or it reads PHI in clear (each such read is noted for the access log
 * when its SQL is built, and a folded query would note it again under another reader's request).
 */
function foldFrame(parsed: ParsedQuerySpec, datasets: DatasetResolver, cacheKey: string): string | null {
  if (!foldable(parsed)) return null;
  const sources = datasetsOf(parsed).map((name) => datasets(name));
  if (sources.some((d) => !d || d.onRead !== undefined)) return null;
  // The files and masked or sealed columns the reader reads: two readers' specs fold only when equal.
  return `${cacheKey}\n${frameOf(parsed)}\n${sources.map((d) => (d ? viewOf(d) : '')).join('\n')}`;
}

/** Inserts `member` after every member whose ticket is not later (unticketed ones last, in arrival order). */
function inTicketOrder(members: FoldMember[], member: FoldMember): void {
  const rank = member.ticket ?? Number.POSITIVE_INFINITY;
  let at = members.length;
  while (at > 0 && (members[at - 1]?.ticket ?? Number.POSITIVE_INFINITY) > rank) at--;
  members.splice(at, 0, member);
}

/** The datasets a spec reads, as it names them: FROM, then its joins, then its semi-joins. */
function datasetsOf(parsed: ParsedQuerySpec): string[] {
  return [parsed.from, ...parsed.joins.map((j) => j.dataset), ...parsed.exists.map((e) => e.dataset)];
}

/** What a unique-column fact is remembered under: the file and the key it is read with. */
function fileKey(dataset: StoredDataset): string {
  return `${dataset.file}\n${dataset.encryptionKey ?? ''}`;
}

/** A column read as the file holds it: not masked for this reader, not opened from a sealed sidecar. */
function readsAsStored(dataset: StoredDataset, column: StoreColumn): boolean {
  return !column.masked && !dataset.sealed?.columns.some((c) => c.name === column.name);
}

/** Integers as numbers while they are exact, else as their digits (the contract's rule for bigints). */
function cell(type: ResultColumnType, value: unknown): unknown {
  if (type === 'integer' && typeof value === 'string') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  return jsonCell(type, value);
}

/**
 * Runs dashboard query specs on its own DuckDB, so dashboards have their own memory limit and never
 * wait behind the dataset viewer. Each query takes a connection of its own (the queries of one
 * dashboard run in parallel); results are cached by data version and spec, which is sound because a
 * version's Parquet files never change.
 */
const tracer = trace.getTracer('@cdp/analytics');

export class QueryEngine {
  private db: Promise<OpenDuckDb> | null = null;
  private readonly idle: DuckDBConnection[] = [];
  private readonly active = new Set<DuckDBConnection>();
  private readonly cache: LruCache<QueryResult>;
  /**
   * Partials' results (`partials`), apart from the answers: a burst of 40 pages puts ~1,000 answers
   * in `cache`, which would push out the partials every later page sums (each then run again).
   */
  private readonly partialCache: LruCache<QueryResult>;
  private readonly inFlight = new Map<string, Promise<QueryResult>>();
  private readonly timeoutMs: number;
  private readonly limiter: WorkLimiter;
  private readonly fold: boolean;
  private readonly foldQueued: boolean;
  private readonly foldWindow: number;
  private readonly bases: BaseTables | null;
  private readonly baseMinRows: number;
  private readonly copies: KeyedCopies | null;
  private readonly prepared: boolean;
  /** Idle connections kept (`IDLE_CONNECTIONS`, or as many as run at once when more). */
  private readonly idleKept: number;
  /** Each connection's prepared statements by SQL text, in use order (`prepared`). */
  private readonly statements = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();
  /** Foldable specs asked for in this turn of the event loop, by fold frame (`foldFrame`). */
  private pendingFolds = new Map<string, FoldMember[]>();
  /** Foldable specs waiting for a query turn, by fold frame; a frame is dropped once it has neither. */
  private readonly foldQueues = new Map<string, FoldQueue>();
  private started = 0;
  /** Recent run time (ms, a moving average) by SQL text, for `order: 'cost'`. */
  private readonly costs = new Map<string, number>();
  private lastTicket = 0;
  private madeStatements = 0;
  private compiledSpecs = 0;
  private closed = false;
  /** Set once the database is closed: no connection of it may be touched again (a native crash). */
  private gone = false;
  /** Connections being opened: `close` waits for them as for running queries. */
  private connecting = 0;
  private readonly uniqueCounts: boolean;
  private readonly partials: boolean;
  private partialSums = 0;
  private checksRun = 0;
  private keyCountsRun = 0;
  /**
   * Per file (and key), per column: whether its non-null values are all different, or the check
   * under way. Files never change, so a fact holds for as long as the file exists.
   */
  private readonly uniqueFacts = new Map<string, Map<string, boolean | Promise<boolean>>>();
  /** Per file, the number of different values (null one of them) of a top N's key column: `keyValues`. */
  private readonly keyValueCounts = new Map<string, Map<string, number | Promise<number>>>();
  private readonly hints: CompileHints = {
    uniqueColumns: (dataset) => this.uniqueColumns(dataset),
    keyValues: (dataset, column) => this.keyValues(dataset, column),
  };

  constructor(private readonly options: QueryEngineOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.cache = new LruCache(options.cacheEntries ?? 500);
    this.partialCache = new LruCache(PARTIALS_KEPT);
    this.limiter = new WorkLimiter(options.maxConcurrent ?? 12);
    this.idleKept = Math.max(IDLE_CONNECTIONS, options.maxConcurrent ?? 12);
    this.fold = options.fold ?? true;
    this.foldQueued = options.foldQueued ?? true;
    this.foldWindow = options.foldWindow ?? Number.POSITIVE_INFINITY;
    if (!(this.foldWindow >= 0)) throw new Error(`a fold window is a number of pages ≥ 0, not ${this.foldWindow}`);
    const baseBytes = options.baseTableBytes ?? 128 * 1024 ** 2;
    this.bases =
      baseBytes > 0
        ? new BaseTables({
            budgetBytes: baseBytes,
            ...(options.baseTableMaxShare === undefined ? {} : { maxShare: options.baseTableMaxShare }),
          })
        : null;
    this.baseMinRows = options.baseTableMinRows ?? 100_000;
    this.copies = this.bases && (options.keyedCopies ?? true) ? new KeyedCopies(this.bases, this.baseMinRows) : null;
    this.prepared = options.prepared ?? true;
    this.uniqueCounts = options.uniqueCounts ?? true;
    this.partials = options.partials ?? true;
  }

  /** Answers summed from a partial (`partials`) so far: for tests. */
  get partialAnswers(): number {
    return this.partialSums;
  }

  /** DuckDB queries started so far (a folded query counts once): what folding saves, for tests and metrics. */
  get queriesRun(): number {
    return this.started;
  }

  /** Statements prepared so far (`prepared`): each query shape once per connection, for tests. */
  get statementsPrepared(): number {
    return this.madeStatements;
  }

  /** Specs compiled to SQL so far (over files, base tables or copies; a folded query counts once): for tests. */
  get compiles(): number {
    return this.compiledSpecs;
  }

  /** Checks of a column for repeated values run so far (one per file and column): for tests. */
  get uniqueChecks(): number {
    return this.checksRun;
  }

  /** Counts of a top N key's values run so far (one per file and column): for tests. */
  get keyCounts(): number {
    return this.keyCountsRun;
  }

  /**
   * A new ticket (when it was taken, ms): the queries of every `run` given it take their turns before
   * those of any later ticket (`order: 'page'`; `'cost'` adds each query's expected cost). Take one
   * per page request and give it to each of the page's runs.
   */
  ticket(): number {
    // Strictly increasing: two pages asked for within the clock's resolution still have an order.
    this.lastTicket = Math.max(performance.now(), this.lastTicket + 1e-3);
    return this.lastTicket;
  }

  /** Queries running and waiting for a turn now. */
  get load(): { running: number; waiting: number } {
    return this.limiter.load;
  }

  /**
   * The spec's result over `datasets`. `cacheKey` must identify the data the resolver gives (the data
   * version id): results are cached under it. Throws `QueryError` for a spec that cannot run as asked,
   * `QueryTimeoutError` past the time limit; failures are not cached.
   */
  async run(
    spec: QuerySpec,
    datasets: DatasetResolver,
    options: { cacheKey: string; ticket?: number },
  ): Promise<QueryRun> {
    // A span per query when the process traces (a no-op otherwise). Its attributes say how, never
    // what: no SQL and no filter values, which may name subjects.
    return tracer.startActiveSpan('duckdb.query', { attributes: { 'db.system.name': 'duckdb' } }, async (span) => {
      try {
        const run = await this.runTraced(spec, datasets, options);
        span.setAttributes({ 'cdp.query.cached': run.cached, 'cdp.query.rows': run.result.rows.length });
        return run;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private runTraced(
    spec: QuerySpec,
    datasets: DatasetResolver,
    options: { cacheKey: string; ticket?: number },
  ): Promise<QueryRun> {
    return this.runParsed(parseQuerySpec(spec), datasets, options);
  }

  /** `run` for a spec already parsed (a partial, made from a parsed spec: parsing it again would only cost). */
  private async runParsed(
    parsed: ParsedQuerySpec,
    datasets: DatasetResolver,
    { cacheKey, ticket }: { cacheKey: string; ticket?: number },
    cache: LruCache<QueryResult> = this.cache,
  ): Promise<QueryRun> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    // Arrival order: no ticket, every query the same rank, so the queue is first come, first served.
    const turn = this.options.order === 'arrival' ? undefined : (ticket ?? this.ticket());
    // A column the spec counts distinct values of, not yet checked for repeats: check it first (once
    // per file), so this spec and every later one compile with what is known.
    const checking = this.checkUnique(parsed, datasets, turn);
    if (checking) await checking;
    // A top N's key column not yet counted: counted first (once per file), so a key with no more
    // values than the top N compiles without the Other row's machinery.
    const counting = this.countKeys(parsed, datasets, turn);
    if (counting) await counting;
    const source: SpecSource = { parsed, datasets, cacheKey };
    const read = datasetsOf(parsed).map((name) => datasets(name));
    // A reader of PHI in clear: compiled on every call, a cache hit too, because building its SQL is
    // what notes the read for the PHI access log (`onRead`). A dataset that is missing: compiled now,
    // for the error naming it. `cost` order ranks a query by its SQL text before it runs.
    if (read.some((d) => !d || d.onRead !== undefined) || this.options.order === 'cost') this.plainOf(source);
    // How each dataset reads for this reader is part of the key (file, encryption key, sealed
    // and masked columns, types: `viewOf`), so a result is never served to a reader who sees the
    // data otherwise (PHI in clear or masked). The same spec over the same views compiles to the same
    // SQL but for `hints`, which change how an answer is computed, never the answer.
    const views = read.map((d) => (d ? viewOf(d) : '')).join('\n');
    const key = `${cacheKey}\n${specKey(parsed)}\n${views}`;
    const hit = cache.get(key);
    if (hit) return { result: hit, cached: true, ms: elapsed() };
    const running = this.inFlight.get(key);
    if (running) return { result: await running, cached: true, ms: elapsed() };

    const frame = this.fold ? foldFrame(parsed, datasets, cacheKey) : null;
    const direct = () => (frame ? this.joinFold(frame, source, turn) : this.runAlone(source, turn));
    // A reader of PHI in clear is never answered from a partial: every such read is its own, logged.
    const plan = this.partials && read.every((d) => d && d.onRead === undefined) ? partialPlan(parsed, datasets) : null;
    const work = plan ? this.viaPartial(source, plan, turn, direct) : direct();
    const promise = work
      .then((result) => {
        cache.set(key, result);
        return result;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return { result: await promise, cached: false, ms: elapsed() };
  }

  /**
   * The spec's answer summed from its partial (`subject-partials.ts`), itself a spec run (cached, shared
   * in flight, folded) like any other; whatever keeps the partial from answering exactly (a column
   * that repeats values, a value the sum cannot compare, an error) answers the spec by `direct`.
   */
  private async viaPartial(
    source: SpecSource,
    plan: PartialPlan,
    ticket: number | undefined,
    direct: () => Promise<QueryResult>,
  ): Promise<QueryResult> {
    for (const { dataset, column } of plan.unique) {
      if ((await this.uniqueFact(dataset, column, ticket)) !== true) return direct();
    }
    let partial: QueryRun;
    try {
      partial = await this.runParsed(
        plan.partial,
        source.datasets,
        { cacheKey: source.cacheKey, ...(ticket === undefined ? {} : { ticket }) },
        this.partialCache,
      );
    } catch {
      return direct();
    }
    const summed = sumPartial(source.parsed, plan, partial.result);
    if (!summed) return direct();
    this.partialSums++;
    return frozen({ ...summed, rows: frozen(summed.rows.map((row) => frozen(row))) });
  }

  /** The spec's SQL over the files, compiled on first use. */
  private plainOf(source: SpecSource): CompiledQuery {
    if (!source.plain) {
      this.compiledSpecs++;
      source.plain = compileParsed(source.parsed, source.datasets, this.hints);
    }
    return source.plain;
  }

  /** The spec compiled over other datasets (a base table, keyed copies). */
  private compileOver(source: SpecSource, datasets: DatasetResolver): CompiledQuery {
    this.compiledSpecs++;
    return compileParsed(source.parsed, datasets, this.hints);
  }

  private runAlone(source: SpecSource, ticket: number | undefined): Promise<QueryResult> {
    const shape = this.options.order === 'cost' ? this.plainOf(source).sql : undefined;
    const rank =
      shape !== undefined && ticket !== undefined ? ticket + COST_WEIGHT * (this.costs.get(shape) ?? 0) : ticket;
    const asked = performance.now();
    return this.limiter.run(() => this.executeTimed(source, asked, shape), rank);
  }

  /**
   * `execute` in a turn asked for at `asked`, told to `onQuery`; with `shape` (`order: 'cost'`) its
   * run time noted as that shape's cost.
   */
  private async executeTimed(source: SpecSource, asked: number, shape?: string): Promise<QueryResult> {
    const onQuery = this.options.onQuery;
    if (!onQuery && shape === undefined) return this.execute(source);
    const started = performance.now();
    try {
      return await this.execute(source);
    } finally {
      const runMs = performance.now() - started;
      if (shape !== undefined) this.noteCost(shape, runMs);
      onQuery?.({ waitMs: started - asked, runMs });
    }
  }

  /** What a query of this shape costs lately: a moving average, so one slow run under load moves it a little. */
  private noteCost(sql: string, ms: number): void {
    const before = this.costs.get(sql);
    this.costs.delete(sql);
    this.costs.set(sql, before === undefined ? ms : 0.7 * before + 0.3 * ms);
    if (this.costs.size > COST_SHAPES) {
      const [oldest] = this.costs.keys();
      if (oldest !== undefined) this.costs.delete(oldest);
    }
  }

  /** Queries read through keyed copies (`keyed-copies.ts`), and of those with their keys: for tests. */
  get keyedCopyReads(): { copies: number; keyed: number; filtered: number; filteredFrom: number } {
    return { ...(this.copies?.reads ?? { copies: 0, keyed: 0, filtered: 0, filteredFrom: 0 }) };
  }

  /** Base tables held now (estimated bytes, tables): for tests and metrics. */
  get baseTables(): { bytes: number; tables: number } {
    return this.bases?.usage ?? { bytes: 0, tables: 0 };
  }

  /**
   * Parks a foldable spec until the end of this turn of the event loop: a page's widgets ask for
   * their queries in one synchronous pass, so specs of the same frame asked for together (Total
   * screened, Screen failures, Subject Flow's counts on DM) are then answered by one query.
   */
  private joinFold(frame: string, source: SpecSource, ticket: number | undefined): Promise<QueryResult> {
    return new Promise<QueryResult>((resolve, reject) => {
      if (this.pendingFolds.size === 0) setImmediate(() => this.flushFolds());
      const members = this.pendingFolds.get(frame) ?? [];
      members.push({ source, ticket, resolve, reject });
      this.pendingFolds.set(frame, members);
    });
  }

  /**
   * Adds this turn's specs to their frames' queues, each set with a query turn of its own at its
   * earliest ticket. Specs of a frame that are still waiting when a turn comes, whichever page
   * asked for them, are answered together: under load many pages' counts of the same rows (only
   * their filters differ) wait side by side, and one query answers them all.
   */
  private flushFolds(): void {
    const asked = this.pendingFolds;
    this.pendingFolds = new Map();
    for (const [frame, members] of asked) {
      const [first] = members;
      if (!first) continue;
      // Without `foldQueued` each turn's specs are a queue of their own, which no later spec joins.
      let queue = this.foldQueued ? this.foldQueues.get(frame) : undefined;
      if (!queue) {
        queue = { datasets: first.source.datasets, cacheKey: first.source.cacheKey, members: [], turns: 0 };
        if (this.foldQueued) this.foldQueues.set(frame, queue);
      }
      for (const member of members) inTicketOrder(queue.members, member);
      this.queueFoldTurn(frame, queue, members);
    }
  }

  /**
   * A query turn for `queue` at the earliest ticket of `members` (unranked in `arrival` order). By
   * ticket alone in `cost` order too: a folded query's shape, and so its cost, changes with its members.
   */
  private queueFoldTurn(frame: string, queue: FoldQueue, members: readonly FoldMember[]): void {
    queue.turns++;
    const tickets = members.map((m) => m.ticket ?? Number.POSITIVE_INFINITY);
    const rank = this.options.order === 'arrival' ? undefined : Math.min(...tickets);
    const asked = performance.now();
    void this.limiter.run(() => this.foldTurn(frame, queue, asked, rank), rank);
  }

  /**
   * A turn of `queue`: its earliest specs within the window (`foldWindow`), as many as one query
   * answers, in one query. A turn that finds no spec for it (answered by an earlier turn, or all
   * past the window) gives its slot straight back; one that leaves specs waiting with no turn of
   * theirs queues one, at their earliest ticket.
   */
  private async foldTurn(frame: string, queue: FoldQueue, asked: number, rank: number | undefined): Promise<void> {
    queue.turns--;
    const open = this.inWindow(queue.members, rank);
    const batch = queue.members.splice(0, foldBatch(open.map((m) => m.source.parsed)));
    if (queue.turns === 0) {
      if (queue.members.length > 0) this.queueFoldTurn(frame, queue, queue.members);
      else this.foldQueues.delete(frame);
    }
    const [only] = batch;
    if (!only) return;
    if (batch.length === 1) {
      await this.executeTimed(only.source, asked).then(only.resolve, only.reject);
      return;
    }
    await this.runFolded(queue, batch, asked);
  }

  /**
   * The members (in ticket order) a turn at `rank` may take: those of pages being served (tickets up
   * to `WorkLimiter.served`, this turn's own included) and of at most `foldWindow` later pages; none
   * when no page being served still waits (an earlier turn took them), so the later pages' own turns
   * take them together rather than one page per turn. Everything without a window or a rank
   * (`arrival` order).
   */
  private inWindow(members: FoldMember[], rank: number | undefined): FoldMember[] {
    if (this.foldWindow === Number.POSITIVE_INFINITY || rank === undefined) return members;
    const served = Math.max(this.limiter.served, rank);
    if ((members[0]?.ticket ?? Number.POSITIVE_INFINITY) > served) return [];
    let later = 0;
    let last = served;
    let end = 0;
    for (const member of members) {
      const ticket = member.ticket ?? Number.POSITIVE_INFINITY;
      if (ticket > last) {
        later++;
        last = ticket;
      }
      if (later > this.foldWindow) break;
      end++;
    }
    return members.slice(0, end);
  }

  /**
   * One query for the batch's specs, in this turn, each result picked back out. Whatever keeps the
   * folded query from answering (it cannot be built, fails, or is cut at the row limit) runs each
   * spec alone, so each gets the answer, or the error, it would have had; a time-out is every member's.
   */
  private async runFolded({ datasets, cacheKey }: FoldQueue, members: FoldMember[], asked: number): Promise<void> {
    const alone = (member: FoldMember) =>
      this.runAlone(member.source, member.ticket).then(member.resolve, member.reject);
    let plan: { spec: ParsedQuerySpec; parts: FoldedPart[] } | null = null;
    try {
      const folded = foldSpecs(members.map((m) => m.source.parsed));
      // Checked against the contract as any spec is; compiled when it runs.
      if (folded) plan = { spec: parseQuerySpec(folded.spec), parts: folded.parts };
    } catch {
      plan = null;
    }
    if (!plan) {
      for (const member of members) void alone(member);
      return;
    }
    const { spec, parts } = plan;
    let result: QueryResult;
    try {
      result = await this.executeTimed({ parsed: spec, datasets, cacheKey }, asked);
    } catch (error) {
      if (error instanceof QueryTimeoutError) for (const member of members) member.reject(error);
      else for (const member of members) void alone(member);
      return;
    }
    if (result.truncated) {
      for (const member of members) void alone(member);
      return;
    }
    members.forEach((member, i) => {
      const part = parts[i];
      if (part) member.resolve(frozen(unfoldResult(result, part)));
      else void alone(member);
    });
  }

  /**
   * The columns of `dataset` known to repeat no non-null value (a count of distinct values of one
   * is a count of its values). Only columns read as stored: a masked column reads as a mask and a
   * sealed one from its sidecar, so neither is ever one, whatever the file holds.
   */
  private uniqueColumns(dataset: StoredDataset): ReadonlySet<string> | undefined {
    if (!this.uniqueCounts) return undefined;
    const facts = this.uniqueFacts.get(fileKey(dataset));
    if (!facts) return undefined;
    const unique = new Set<string>();
    for (const [name, fact] of facts) {
      if (fact !== true) continue;
      const column = dataset.columns.find((c) => c.name === name);
      if (column && readsAsStored(dataset, column)) unique.add(name);
    }
    return unique.size > 0 ? unique : undefined;
  }

  /**
   * Starts the check of each column the spec counts distinct values of on its FROM dataset (when
   * it joins nothing) that no check has answered yet; the promise settles when all have, or null
   * when there is nothing to wait for. A reader who reads PHI in clear never starts one (each such
   * read is logged); a dataset too large to be one row per subject is never checked.
   */
  private checkUnique(
    parsed: ParsedQuerySpec,
    datasets: DatasetResolver,
    rank: number | undefined,
  ): Promise<unknown> | null {
    if (!this.uniqueCounts || parsed.joins.length > 0) return null;
    const from = datasets(parsed.from);
    if (!from || from.onRead !== undefined || from.table !== undefined) return null;
    if ((from.rows ?? 0) > UNIQUE_CHECK_MAX_ROWS) return null;
    const fromName = parsed.from.toUpperCase();
    const waits: Promise<boolean>[] = [];
    for (const measure of parsed.measures) {
      if (measure.op !== 'count_distinct' || !measure.column || measure.per) continue;
      if (measure.column.dataset.toUpperCase() !== fromName) continue;
      const name = measure.column.column;
      const column =
        from.columns.find((c) => c.name === name) ??
        from.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
      if (!column || !readsAsStored(from, column)) continue;
      const fact = this.uniqueFact(from, column, rank);
      if (fact !== true && fact !== false) waits.push(fact);
    }
    return waits.length > 0 ? Promise.all(waits) : null;
  }

  private uniqueFact(
    dataset: StoredDataset,
    column: StoreColumn,
    rank: number | undefined,
  ): boolean | Promise<boolean> {
    return this.columnFact(this.uniqueFacts, dataset, column, rank, {
      select: (values) => `count(${values}) = count(DISTINCT ${values})`,
      read: (cell) => cell === true,
      // Not known: count with DISTINCT, and check again next time.
      unknown: false,
      counted: () => this.checksRun++,
    });
  }

  /**
   * The number of different values, null one of them, of the key column of a top N over one plain
   * column of its FROM dataset as stored (`CompileHints.keyValues`), when counted; undefined otherwise.
   */
  private keyValues(dataset: StoredDataset, name: string): number | undefined {
    const column =
      dataset.columns.find((c) => c.name === name) ??
      dataset.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!column || !readsAsStored(dataset, column)) return undefined;
    const known = this.keyValueCounts.get(fileKey(dataset))?.get(column.name);
    return typeof known === 'number' ? known : undefined;
  }

  /**
   * Starts counting the values of a top N's key (one group, a plain text column of FROM) once per
   * file, as the reader reads it; null when there is nothing to wait for. A reader who reads PHI in
   * clear never starts one (each such read is logged).
   */
  private countKeys(
    parsed: ParsedQuerySpec,
    datasets: DatasetResolver,
    rank: number | undefined,
  ): Promise<unknown> | null {
    const [group] = parsed.groupBy;
    if (!parsed.topN || parsed.groupBy.length !== 1 || !group || group.bucket || group.binWidth !== undefined) {
      return null;
    }
    if (group.column.dataset.toUpperCase() !== parsed.from.toUpperCase()) return null;
    const from = datasets(parsed.from);
    if (!from || from.onRead !== undefined || from.table !== undefined) return null;
    const name = group.column.column;
    const column =
      from.columns.find((c) => c.name === name) ??
      from.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column?.type !== 'string' || !readsAsStored(from, column)) return null;
    const fact = this.columnFact(this.keyValueCounts, from, column, rank, {
      select: (values) => `count(DISTINCT ${values}) + CAST(count(*) > count(${values}) AS INTEGER)`,
      read: (cell) => Number(cell),
      // Not known: the top N's own form, and a count next time.
      unknown: Number.POSITIVE_INFINITY,
      counted: () => this.keyCountsRun++,
    });
    return typeof fact === 'number' ? null : fact;
  }

  /**
   * A fact about one column of a stored file, computed once by `select` over its values as the
   * reader reads them and remembered per file (files never change; `UNIQUE_FILES` files kept). A
   * check that fails gives `unknown` and is forgotten, so the next query checks again.
   */
  private columnFact<T>(
    store: Map<string, Map<string, T | Promise<T>>>,
    dataset: StoredDataset,
    column: StoreColumn,
    rank: number | undefined,
    fact: { select: (values: string) => string; read: (cell: unknown) => T; unknown: T; counted: () => void },
  ): T | Promise<T> {
    const key = fileKey(dataset);
    let facts = store.get(key);
    if (!facts) {
      facts = new Map();
      store.set(key, facts);
      if (store.size > UNIQUE_FILES) {
        const [oldest] = store.keys();
        if (oldest !== undefined) store.delete(oldest);
      }
    }
    const known = facts.get(column.name);
    if (known !== undefined) return known;
    const table = facts;
    const check = this.limiter
      .run(async () => {
        fact.counted();
        const connection = await this.acquire();
        let reusable = false;
        try {
          const values = `t0.${quoteIdent(column.name)}`;
          const reader = await connection.runAndReadAll(
            `SELECT ${fact.select(values)} FROM ${datasetSource(dataset, { reads: [] })} AS t0`,
          );
          reusable = true;
          return fact.read(reader.getRowsJson()[0]?.[0]);
        } finally {
          this.release(connection, reusable);
        }
      }, rank)
      .then(
        (value) => {
          table.set(column.name, value);
          return value;
        },
        () => {
          table.delete(column.name);
          return fact.unknown;
        },
      );
    facts.set(column.name, check);
    return check;
  }

  /** Interrupts running queries and closes the database; `run` fails afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    // An interrupt that lands before DuckDB has started a query is lost (as with the time limit):
    // repeat it until every running query has stopped, and only then close the database (a
    // connection must never be touched after its database is gone).
    const giveUp = Date.now() + CLOSE_WAIT_MS;
    while ((this.active.size > 0 || this.connecting > 0) && Date.now() < giveUp) {
      for (const connection of this.active) connection.interrupt();
      await new Promise((resolve) => setTimeout(resolve, INTERRUPT_REPEAT_MS));
    }
    for (const connection of this.idle.splice(0)) connection.closeSync();
    const db = this.db;
    this.db = null;
    this.gone = true;
    if (db) (await db).close();
  }

  private open(): Promise<OpenDuckDb> {
    this.db ??= openDuckDb(this.options).then(
      async (db) => {
        // Every widget of a dashboard reads the same few files: keep their footers and row-group
        // statistics in memory rather than parsing them per query. Sound because they never change.
        await db.connection.run('SET GLOBAL parquet_metadata_cache = true');
        return db;
      },
      (error: unknown) => {
        this.db = null;
        throw error;
      },
    );
    return this.db;
  }

  /**
   * An idle connection, preferably one that has `text` prepared already (the most recently used
   * such), so each query shape is prepared on few connections rather than on every one.
   */
  private takeIdle(text: string | undefined): DuckDBConnection | undefined {
    if (this.prepared && text !== undefined) {
      for (let i = this.idle.length - 1; i >= 0; i--) {
        const connection = this.idle[i];
        if (connection && this.statements.get(connection)?.has(text)) return this.idle.splice(i, 1)[0];
      }
    }
    return this.idle.pop();
  }

  private async acquire(text?: string): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('the query engine is closed');
    // `close` may run while this waits for the database (a busy machine): say so, not "Failed to connect".
    const closedMeanwhile = () => new Error('the query engine was closed before the query could start');
    this.connecting++;
    let connection: DuckDBConnection;
    try {
      const { instance } = await this.open();
      if (this.closed) throw closedMeanwhile();
      connection =
        this.takeIdle(text) ??
        (await instance.connect().catch((error: unknown) => {
          throw this.closed ? closedMeanwhile() : error;
        }));
    } finally {
      this.connecting--;
    }
    if (this.closed) {
      if (!this.gone) connection.closeSync();
      throw closedMeanwhile();
    }
    this.active.add(connection);
    return connection;
  }

  private release(connection: DuckDBConnection, reusable: boolean): void {
    this.active.delete(connection);
    if (reusable && !this.closed && this.idle.length < this.idleKept) this.idle.push(connection);
    else if (!this.gone) connection.closeSync();
  }

  /**
   * Runs the query under the time limit. Past it, the caller gets `QueryTimeoutError` at once while
   * DuckDB is interrupted (again and again, until the query has stopped); the connection is closed
   * rather than reused.
   */
  private async execute(source: SpecSource): Promise<QueryResult> {
    const { parsed, datasets, cacheKey } = source;
    const plan = this.bases ? basePlan(parsed, datasets, cacheKey, this.baseMinRows) : null;
    const viaCopies = !plan && this.copies !== null && this.copies.applies(parsed, datasets);
    // A query read from the files takes a connection that has its statement already; one read
    // through a base table or copies is compiled against them once it has its connection. A spec
    // that cannot be compiled fails here, before it counts as started.
    const text = plan || viaCopies ? undefined : this.plainOf(source).sql;
    this.started++;
    const connection = await this.acquire(text);
    let timer: NodeJS.Timeout | undefined;
    let repeat: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        connection.interrupt();
        repeat = setInterval(() => {
          if (!this.gone) connection.interrupt();
        }, INTERRUPT_REPEAT_MS);
        reject(new QueryTimeoutError(this.timeoutMs));
      }, this.timeoutMs);
    });
    const work = this.readSpec(connection, source, plan);
    work
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        clearInterval(repeat);
        this.release(connection, repeat === undefined);
      });
    return Promise.race([work, deadline]);
  }

  /**
   * The query through a base table of its FROM dataset when one can serve (`base-tables.ts`), else
   * through keyed copies of its small datasets (`keyed-copies.ts`), else from the files. Whatever keeps
   * a base or a copy from answering (it cannot be built or compiled against, or its query fails)
   * runs the query over the files, so the answer or error is the one it would have had.
   */
  private async readSpec(
    connection: DuckDBConnection,
    source: SpecSource,
    plan: BasePlan | null,
  ): Promise<QueryResult> {
    if (plan && this.bases) {
      const overBase = plan.rest ? { ...source, parsed: { ...source.parsed, where: plan.rest } } : source;
      const viaBase = await this.bases
        .use(connection, plan, source.datasets, (datasets) => this.readOverBase(connection, overBase, datasets))
        .catch(() => null);
      if (viaBase) return viaBase.value;
      if (this.closed) throw new Error('the query engine was closed while the query ran');
    } else if (this.copies) {
      const viaCopies = await this.copies
        .use(connection, source.parsed, source.datasets, source.cacheKey, (datasets, parsed) =>
          this.read(connection, this.compileOver({ ...source, parsed }, datasets)),
        )
        .catch(() => null);
      if (viaCopies) return viaCopies.value;
      if (this.closed) throw new Error('the query engine was closed while the query ran');
    }
    return this.read(connection, this.plainOf(source));
  }

  /**
   * A query over a base table, its small joined and semi-joined datasets (DM for the age filter)
   * read from their copies when they can be (`keyed-copies.ts`): the in-memory copy instead of the
   * Parquet file per query (ALT by Visit's join to DM: −2 ms, docs/decisions.md). The base has no
   * key columns, so its joins compare the ids as text, as over the files.
   */
  private async readOverBase(
    connection: DuckDBConnection,
    source: SpecSource,
    datasets: DatasetResolver,
  ): Promise<QueryResult> {
    const viaCopies = await this.copies?.use(connection, source.parsed, datasets, source.cacheKey, (copied, parsed) =>
      this.read(connection, this.compileOver({ ...source, parsed }, copied)),
    );
    return viaCopies ? viaCopies.value : this.read(connection, this.compileOver(source, datasets));
  }

  private async read(connection: DuckDBConnection, compiled: CompiledQuery): Promise<QueryResult> {
    const fetched = await this.query(connection, compiled.sql, compiled.params).catch((error: unknown) => {
      throw this.closed ? new Error('the query engine was closed while the query ran') : error;
    });
    const truncated = fetched.length > compiled.limit;
    const types = compiled.columns.map((c) => c.type);
    const rows = fetched
      .slice(0, compiled.limit)
      .map((row) => frozen(row.map((value, i) => cell(types[i] ?? 'string', value))));
    const result: QueryResult = { columns: compiled.columns, rows: frozen(rows), truncated };
    if (compiled.total) {
      const count = await this.query(connection, compiled.total.sql, compiled.total.params);
      result.total = Number(count[0]?.[0] ?? 0);
    }
    return frozen(result);
  }

  /**
   * The rows of `text` with its values on `connection`, each value as `getRowsJson` gives it. With
   * kept statements (`prepared`) the connection's statement for that text is bound and executed (made
   * on first use; a statement that fails is destroyed rather than kept), and the materialized result's
   * chunks are read in place: one trip to DuckDB's thread per query instead of four or five (extract,
   * prepare, execute, then each chunk and the end), each of which, on a busy machine, waits for a
   * thread and a core. Without, prepared and thrown away as `runAndReadAll` does.
   */
  private async query(
    connection: DuckDBConnection,
    text: string,
    params: readonly DuckDBValue[],
  ): Promise<unknown[][]> {
    if (!this.prepared) return (await connection.runAndReadAll(text, [...params])).getRowsJson();
    let kept = this.statements.get(connection);
    if (!kept) {
      kept = new Map();
      this.statements.set(connection, kept);
    }
    let statement = kept.get(text);
    if (statement) kept.delete(text);
    else {
      statement = await connection.prepare(text);
      this.madeStatements++;
    }
    let result: DuckDBMaterializedResult;
    try {
      statement.clearBindings();
      if (params.length > 0) statement.bind([...params]);
      result = await statement.run();
    } catch (error) {
      statement.destroySync();
      throw error;
    }
    kept.set(text, statement);
    if (kept.size > PREPARED_PER_CONNECTION) {
      const [oldest, stale] = kept.entries().next().value as [string, DuckDBPreparedStatement];
      kept.delete(oldest);
      stale.destroySync();
    }
    const rows: unknown[][] = [];
    for (let i = 0, chunks = result.chunkCount; i < chunks; i++) {
      const chunk = result.getChunk(i);
      for (let row = 0, count = chunk.rowCount; row < count; row++)
        rows.push(chunk.convertRowValues(row, JsonDuckDBValueConverter));
    }
    return rows;
  }
}
