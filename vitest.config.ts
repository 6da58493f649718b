import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other (docs/decisions.md, "CI time, third pass"):
 *
 * 1. `unit`: every test file, two at once on the 2-core CI machine (or one fewer than the CPUs on a
 *    larger one; `VITEST_MAX_WORKERS` overrides it), each worker with its own database and data
 *    folder (apps/server/test/global-setup.ts, test-database.ts). `isolate: false`: a worker loads
 *    the server's modules once and runs file after file in them instead of forking a fresh process
 *    per file (the import cost was most of a small file's time). Process-wide state a file may
 *    leave behind is reset after each file by apps/server/test/file-setup.ts.
 * 2. `serial`: files named `*.serial.test.ts`, one at a time, after the first group, with longer
 *    timeouts: they start `cdp` child processes (each its own PostgreSQL or Node process), so they
 *    need the machine to themselves rather than racing the heaviest files of group 1.
 *    (CI runs the groups as separate runs: `--project unit apps/` alone, then beside the e2e run,
 *    which keeps about one core busy, `--project serial` and `--project unit packages/`: .ci/run,
 *    which refuses a `unit` file under neither folder.)
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(2, os.availableParallelism() - 1);

const include = [
  'apps/server/src/**/*.test.ts',
  'apps/server/test/**/*.test.ts',
  'packages/*/src/**/*.test.ts',
  // The web app's pure logic (chart points, filters, table models); components are covered by e2e.
  'apps/web/src/**/*.test.ts',
];
const SERIAL = '**/*.serial.test.ts';
// The multi-process test runs apart (`npm run test:cluster`, vitest.cluster.config.ts).
const exclude = ['apps/server/test/cluster/**', '**/node_modules/**'];

export default defineConfig({
  test: {
    // The run's PostgreSQL: the root's global setup runs once, and both groups read what it provides.
    globalSetup: ['apps/server/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers,
    projects: [
      {
        test: {
          name: 'unit',
          include,
          exclude: [...exclude, SERIAL],
          pool: 'forks',
          maxWorkers,
          isolate: false,
          setupFiles: ['apps/server/test/file-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 90_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'serial',
          include: [SERIAL],
          exclude,
          pool: 'forks',
          maxWorkers: 1,
          isolate: true,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
