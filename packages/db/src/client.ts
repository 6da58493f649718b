import { isUuid } from '@cdp/contracts';
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
  tenant<T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A transaction that sees every organization. Only for paths that cannot know the tenant yet
   * (login, refresh) or that act across tenants on purpose (the platform console, seeding).
   */
  system<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  connectionString: string;
  max?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
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

  // One drizzle handle per pooled connection, made once.
  const handles = new WeakMap<pg.PoolClient, Db>();

  /**
   * BEGIN and the SET LOCAL travel in one simple-protocol round trip. The value is inlined, so
   * it is checked to be a UUID (or the literal 'on') first: nothing else can reach that string.
   */
  async function run<T>(setting: 'app.org_id' | 'app.system', value: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (setting === 'app.org_id' ? !isUuid(value) : value !== 'on') {
      throw new Error(`invalid tenant context ${JSON.stringify(value)}`);
    }
    const client = await pool.connect();
    // Set when the connection itself may be unusable; the pool then drops it instead of reusing it.
    let discard: Error | undefined;
    try {
      try {
        await client.query(`begin; select set_config('${setting}', '${value}', true)`);
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

  return {
    pool,
    tenant: (orgId, fn) => run('app.org_id', orgId, fn),
    system: (fn) => run('app.system', 'on', fn),
    close: () => pool.end(),
  };
}
