import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files at once. Vitest's default is one fewer than the CPUs, i.e. one file at a time on a
 * 2-core CI machine, where most files spend their time waiting (on PostgreSQL, DuckDB's threads,
 * child processes); two overlap that wait (docs/decisions.md, "CI time"). VITEST_MAX_WORKERS overrides.
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(2, os.availableParallelism() - 1);

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
