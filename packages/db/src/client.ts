import { isUuid } from '@cdp/contracts';
import { type Column, getTableColumns, type Table } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/**
 * The handle a transaction body works with: every statement runs inside the transaction.
 * Never call `tx.transaction()` on it: the transaction is already open.
 */
export type Tx = Omit<Db, 'transaction'>;

export interface Database {
  readonly pool: pg.Pool;
  /**
   * A transaction that sees one organization only: `app.org_id` is set with SET LOCAL, so
   * row-level security hides every other tenant's rows even if a query forgets its filter.
   */
  tenant<T>(orgId: string, fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * A transaction that sees every organization. Only for paths that cannot know the tenant yet
   * (login, refresh) or that act across tenants on purpose (the platform console, seeding).
   */
  system<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Read-only statements in one tenant transaction and ONE round trip: BEGIN, the SET LOCAL, every
   * statement and COMMIT travel as a single simple-protocol query, for hot paths whose reads are
   * known ahead (`tenant()` takes a round trip per statement plus two). The simple protocol has no
   * parameters, so a statement names its values `:name`, and each value must be a UUID (checked
   * here, as the organization's is) before it is inlined: nothing else can reach the text. The
   * rows come as the database sends them (timestamps and dates as text, as drizzle reads them):
   * `rowOf(table, raw)` maps a table's row.
   */
  tenantReads(orgId: string, statements: readonly string[], ids: Readonly<Record<string, string>>): Promise<RawRow[][]>;
  /**
   * One call of a tenant-reading PL/pgSQL function (migration 0023), `select * from name(orgId, …args)`,
   * as a named prepared statement: one round trip, parsed once per connection, and the function's own
   * statements planned once per connection (PL/pgSQL keeps their plans), where `tenantReads` has
   * PostgreSQL parse and plan every statement, row-level-security quals included, on every call.
   * The function sets the tenant from its first argument before it reads (statements of a function
   * run in order, so row-level security sees it), filters by organization itself, runs as the
   * caller under row-level security, and answers one row of JSON columns (rows by column name, as
   * `rowOf` maps them). Arguments travel as parameters; the organization must be a UUID.
   */
  tenantCall(name: TenantFunction, orgId: string, args: readonly unknown[]): Promise<RawRow>;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * `false`: the COMMIT returns before its WAL reaches the disk (`synchronous_commit = off` for this
   * transaction only), set in the same round trip as BEGIN. For bookkeeping a crash of the machine
   * may lose without harm (a pipeline run's claim, log lines, heartbeat): WAL stays in order, so
   * only the last few hundred milliseconds of such commits can be lost, never half of one.
   */
  flush?: boolean;
}

/**
 * The tenant functions, with how many arguments each takes after the organization: the reads of
 * migration 0023, and a pipeline run's claim (0024: it takes the run and reads what its inputs name).
 */
export const TENANT_FUNCTIONS = {
  app_dashboard_data: 2,
  app_study_versions: 1,
  app_version_details: 2,
  app_study_dashboards: 1,
  app_visible_studies: 1,
  app_study_phi: 1,
  app_claim_pipeline_run: 2,
} as const;
export type TenantFunction = keyof typeof TENANT_FUNCTIONS;

export type RawRow = Record<string, unknown>;

/** Text stays text for these types, as drizzle's node-postgres driver reads them (its columns map the text). */
const DRIVER_TEXT_TYPES = new Set<number>([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1115,
  1182,
  1185,
  1187,
  1231,
]);
const DRIVER_TYPES = {
  getTypeParser: ((typeId: number, format?: 'text' | 'binary') =>
    DRIVER_TEXT_TYPES.has(typeId)
      ? (value: string) => value
      : pg.types.getTypeParser(typeId, format)) as typeof pg.types.getTypeParser,
};

/** A raw row of `table` (as `tenantReads` gives it, by column name) as drizzle's select would give it. */
export function rowOf<T extends Table>(table: T, raw: RawRow): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table)) as [string, Column][]) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}

/** `:name`, but not a cast (`::uuid`) nor inside a word. */
const PLACEHOLDER = /(?<![:\w]):([a-z][A-Za-z0-9]*)\b/g;

export interface DatabaseOptions {
  connectionString: string;
  max?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Told how long each transaction waited for a pooled connection (seconds): a pool too small for
   * the process's concurrency shows here first (the `cdp_db_pool_wait_seconds` metric).
   */
  onConnectionWait?: (seconds: number) => void;
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'cdp',
    // A stuck query must not hold a connection forever.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  // A dropped idle connection is not a reason to crash the process; the next query reconnects.
  pool.on('error', () => {});

  const connect = async (): Promise<pg.PoolClient> => {
    if (!options.onConnectionWait) return pool.connect();
    const started = performance.now();
    const client = await pool.connect();
    options.onConnectionWait((performance.now() - started) / 1000);
    return client;
  };

  // One drizzle handle per pooled connection, made once.
  const handles = new WeakMap<pg.PoolClient, Db>();

  /**
   * BEGIN and the SET LOCAL travel in one simple-protocol round trip. The value is inlined, so
   * it is checked to be a UUID (or the literal 'on') first: nothing else can reach that string.
   */
  async function run<T>(
    setting: 'app.org_id' | 'app.system',
    value: string,
    fn: (tx: Tx) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    if (setting === 'app.org_id' ? !isUuid(value) : value !== 'on') {
      throw new Error(`invalid tenant context ${JSON.stringify(value)}`);
    }
    const client = await connect();
    // Set when the connection itself may be unusable; the pool then drops it instead of reusing it.
    let discard: Error | undefined;
    try {
      try {
        await client.query(
          `begin; select set_config('${setting}', '${value}', true)${options.flush === false ? '; set local synchronous_commit = off' : ''}`,
        );
      } catch (error) {
        discard = error as Error;
        throw error;
      }
      let tx = handles.get(client);
      if (!tx) {
        tx = drizzle(client, { schema });
        handles.set(client, tx);
      }
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => {
          discard = rollbackError;
        });
        throw error;
      }
      // A failed COMMIT has already ended (rolled back) the transaction.
      await client.query('commit');
      return result;
    } finally {
      client.release(discard);
    }
  }

  async function tenantReads(
    orgId: string,
    statements: readonly string[],
    ids: Readonly<Record<string, string>>,
  ): Promise<RawRow[][]> {
    for (const [name, value] of Object.entries({ ...ids, orgId })) {
      if (!isUuid(value)) throw new Error(`tenantReads: ${name} is not a UUID: ${JSON.stringify(value)}`);
    }
    const inline = (statement: string) =>
      statement.replace(PLACEHOLDER, (_, name: string) => {
        const value = name === 'orgId' ? orgId : ids[name];
        if (value === undefined) throw new Error(`tenantReads: no value for :${name}`);
        return `'${value}'::uuid`;
      });
    const text = [
      'begin',
      `select set_config('app.org_id', '${orgId}', true)`,
      ...statements.map(inline),
      'commit',
    ].join(';\n');
    const client = await connect();
    let discard: Error | undefined;
    try {
      const results = (await client.query({ text, types: DRIVER_TYPES })) as unknown as pg.QueryResult<RawRow>[];
      // begin, set_config, the statements, commit: the statements' results are in between.
      return results.slice(2, 2 + statements.length).map((r) => r.rows);
    } catch (error) {
      // A failed statement leaves the transaction open and aborted; the rest of the text was skipped.
      await client.query('rollback').catch((rollbackError: Error) => {
        discard = rollbackError;
      });
      throw error;
    } finally {
      client.release(discard);
    }
  }

  async function tenantCall(name: TenantFunction, orgId: string, args: readonly unknown[]): Promise<RawRow> {
    const arity = TENANT_FUNCTIONS[name];
    if (arity === undefined || args.length !== arity) throw new Error(`tenantCall: ${name} takes ${arity} arguments`);
    if (!isUuid(orgId)) throw new Error(`tenantCall: the organization is not a UUID: ${JSON.stringify(orgId)}`);
    const params = Array.from({ length: arity + 1 }, (_, i) => `$${i + 1}`).join(', ');
    const client = await connect();
    try {
      // Outside a transaction, the call is its own: the function's set_config(…, true) ends with it.
      const result = await client.query<RawRow>({
        name: `cdp_${name}`,
        text: `select * from ${name}(${params})`,
        values: [orgId, ...args],
        types: DRIVER_TYPES,
      });
      const row = result.rows[0];
      if (!row) throw new Error(`tenantCall: ${name} answered no row`);
      return row;
    } finally {
      client.release();
    }
  }

  return {
    pool,
    tenantReads,
    tenantCall,
    tenant: (orgId, fn, options) => run('app.org_id', orgId, fn, options),
    system: (fn) => run('app.system', 'on', fn),
    close: () => pool.end(),
  };
}
