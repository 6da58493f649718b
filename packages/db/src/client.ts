import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

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
  const db = drizzle(pool, { schema });

  return {
    pool,
    tenant(orgId, fn) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.org_id', ${orgId}, true)`);
        return fn(tx);
      });
    },
    system(fn) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.system', 'on', true)`);
        return fn(tx);
      });
    },
    close: () => pool.end(),
  };
}
