import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, runMigrations, setAppRolePassword } from '@cdp/db';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../../scripts/cdp-process.ts';
import { AccessTokens } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { installJobQueue } from '../src/jobs/queue.ts';
import { startEmbeddedPostgres } from '../src/lib/embedded-postgres.ts';
import { createLogger } from '../src/lib/logger.ts';
import { seed } from '../src/seed/seed.ts';
import { TEST_PASSWORD } from './constants.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    appUrl: string;
    dataDir: string;
  }
}

/**
 * One real PostgreSQL for the whole run, in the system temp folder (reachable by the postgres
 * user even when the checkout sits in a private home). Migrated and seeded once; every test
 * then makes its own organizations with the factories.
 */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-test-'));
  // mkdtemp makes the folder private; the embedded server's user must be able to enter it.
  await chmod(root, 0o755);
  const log = createLogger('silent');
  const appPassword = 'test-app-password-0123456789';
  const pg = await startEmbeddedPostgres({
    dir: path.join(root, 'pg'),
    port: await freePort(),
    password: 'test-superuser-password',
    log,
  });
  await runMigrations(pg.adminUrl);
  await setAppRolePassword(pg.adminUrl, appPassword);
  await installJobQueue(pg.adminUrl);
  const appUrl = new URL(pg.adminUrl);
  appUrl.username = 'cdp_app';
  appUrl.password = appPassword;

  const dataDir = path.join(root, 'data');
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const database = createDatabase({ connectionString: appUrl.toString(), max: 2 });
  await seed(
    { config, database, log, tokens: new AccessTokens('x'.repeat(32), 900) },
    { password: TEST_PASSWORD, demo: false },
  );
  await database.close();

  project.provide('adminUrl', pg.adminUrl);
  project.provide('appUrl', appUrl.toString());
  project.provide('dataDir', dataDir);

  return async () => {
    await pg.stop();
    await rm(root, { recursive: true, force: true });
  };
}
