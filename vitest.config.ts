import { defineConfig } from 'vitest/config';

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
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
