import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the production build as N processes (apps/server/test/cluster). Starts
 * its own PostgreSQL and processes, so it needs none of the unit suite's global setup.
 */
export default defineConfig({
  test: {
    include: ['apps/server/test/cluster/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
