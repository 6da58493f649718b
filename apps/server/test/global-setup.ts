import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, runMigrations, setAppRolePassword } from '@cdp/db';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../../scripts/cdp-process.ts';
import { AccessTokens } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { installJobQueue } from '../src/jobs/queue.ts';
import { startEmbeddedPostgres } from '../src/lib/embedded-postgres.ts';
import { createLogger } from '../src/lib/logger.ts';
import { seed } from '../src/seed/seed.ts';
import { TEST_PASSWORD } from './constants.ts';
import { withDatabase, workerDatabaseName } from './test-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL (its template database): tests use `testDatabase()`. */
    pgAdminUrl: string;
    /** Application-role URL of the same: tests use `testDatabase()`. */
    pgAppUrl: string;
    /** The run's data folder; each worker gets `w<N>/` under it. */
    dataRoot: string;
    /** How many worker databases were made (one per Vitest worker, `cdp_w1` … `cdp_wN`). */
    workerDatabases: number;
  }
}

/**
 * One real PostgreSQL for the whole run, in the system temp folder (reachable by the postgres
 * user even when the checkout sits in a private home). One database is migrated and seeded, then
 * copied (`CREATE DATABASE … TEMPLATE`) into one database per Vitest worker, so test files running
 * at the same time share neither rows nor the job queue (pg-boss lives in each database): one
 * file's worker can never run another file's due job. Files that run one after the other in the
 * same worker share its database, as every file did before; each test makes its own organizations
 * with the factories.
 */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-test-'));
  // mkdtemp makes the folder private; the embedded server's user must be able to enter it.
  await chmod(root, 0o755);
  const log = createLogger('silent');
  const appPassword = 'test-app-password-0123456789';
  const pgServer = await startEmbeddedPostgres({
    dir: path.join(root, 'pg'),
    port: await freePort(),
    password: 'test-superuser-password',
    log,
    // Made for this run: commits need not wait for the disk (embeddedPostgresFlags).
    durable: false,
  });
  await runMigrations(pgServer.adminUrl);
  await setAppRolePassword(pgServer.adminUrl, appPassword);
  await installJobQueue(pgServer.adminUrl);
  const appUrl = new URL(pgServer.adminUrl);
  appUrl.username = 'cdp_app';
  appUrl.password = appPassword;

  const dataRoot = path.join(root, 'data');
  const config = loadConfig({ DATA_DIR: path.join(dataRoot, 'seed'), LOG_LEVEL: 'silent' });
  const database = createDatabase({ connectionString: appUrl.toString(), max: 2 });
  await seed(
    { config, database, log, tokens: new AccessTokens('x'.repeat(32), 900) },
    { password: TEST_PASSWORD, demo: false },
  );
  await database.close();

  // Vitest numbers its workers 1…maxWorkers (VITEST_POOL_ID). The template must have no other
  // connection while it is copied: every pool above is closed by now.
  const workers = Math.max(1, project.globalConfig.maxWorkers, project.config.maxWorkers);
  const admin = new pg.Client({ connectionString: withDatabase(pgServer.adminUrl, 'postgres') });
  await admin.connect();
  try {
    const template = new URL(pgServer.adminUrl).pathname.slice(1);
    for (let n = 1; n <= workers; n++) {
      await admin.query(`create database ${workerDatabaseName(n)} template ${template}`);
      await mkdir(path.join(dataRoot, `w${n}`), { recursive: true });
    }
  } finally {
    await admin.end();
  }

  project.provide('pgAdminUrl', pgServer.adminUrl);
  project.provide('pgAppUrl', appUrl.toString());
  project.provide('dataRoot', dataRoot);
  project.provide('workerDatabases', workers);

  return async () => {
    await pgServer.stop();
    await rm(root, { recursive: true, force: true });
  };
}
