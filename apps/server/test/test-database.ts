import path from 'node:path';
import { inject } from 'vitest';

/** `cdp_w<N>`: the database of Vitest worker N (apps/server/test/global-setup.ts makes them). */
export function workerDatabaseName(worker: number): string {
  return `cdp_w${worker}`;
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  /** Superuser URL: for setting up impossible states, creating databases, tampering; never for the app. */
  adminUrl: string;
  /** The application role's URL (row-level security applies), as the app connects. */
  appUrl: string;
  /** This worker's data folder: tests make their own folders under it. */
  dataDir: string;
}

/**
 * This test file's database and data folder: those of the Vitest worker running it
 * (`VITEST_POOL_ID`), so files running at the same time never share rows or the job queue.
 * The one place tests learn where PostgreSQL is.
 */
export function testDatabase(): TestDatabase {
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  const made = inject('workerDatabases');
  if (!Number.isInteger(worker) || worker < 1 || worker > made) {
    throw new Error(
      `VITEST_POOL_ID=${process.env.VITEST_POOL_ID}: the global setup made databases for workers 1 to ${made} only`,
    );
  }
  const name = workerDatabaseName(worker);
  return {
    adminUrl: withDatabase(inject('pgAdminUrl'), name),
    appUrl: withDatabase(inject('pgAppUrl'), name),
    dataDir: path.join(inject('dataRoot'), `w${worker}`),
  };
}
