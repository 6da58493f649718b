import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files at once: Vitest's default (one fewer than the CPUs: one on the 2-core CI machine)
 * unless VITEST_MAX_WORKERS says otherwise. Each worker has its own database and data folder
 * (apps/server/test/global-setup.ts, test-database.ts), so files running together share no rows
 * and no job queue; whether two pay on 2 cores is still open (docs/decisions.md, "CI time,
 * second pass").
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(1, os.availableParallelism() - 1);

export default defineConfig({
  test: {
    include: [
      'apps/server/src/**/*.test.ts',
      'apps/server/test/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      // The web app's pure logic (chart points, filters, table models); components are covered by e2e.
      'apps/web/src/**/*.test.ts',
    ],
    // The multi-process test runs apart (`npm run test:cluster`, vitest.cluster.config.ts).
    exclude: ['apps/server/test/cluster/**', '**/node_modules/**'],
    globalSetup: ['apps/server/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers,
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
