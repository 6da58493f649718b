import { afterAll, beforeAll, vi } from 'vitest';
import { resetShuttingDown } from '../src/lib/shutdown.ts';

/**
 * Runs around every test file of the `unit` group (vitest.config.ts). That group does not isolate
 * files: a worker runs file after file in one process and one module graph, so whatever a file
 * changes in the process would reach the next file run by that worker. This puts back what a file
 * may change: the environment, fake timers, stubbed globals and spies, and the process's
 * "stopping" flag (lib/shutdown.ts, which a readiness test raises). Module caches keyed by ids or by
 * the database handle (actor cache, dataset caches) need nothing: every file makes its own
 * organizations, apps and database pools.
 */
let environment: NodeJS.ProcessEnv = {};

beforeAll(() => {
  environment = { ...process.env };
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  resetShuttingDown();
  for (const key of Object.keys(process.env)) {
    if (!(key in environment)) delete process.env[key];
  }
  for (const [key, value] of Object.entries(environment)) {
    if (process.env[key] !== value) process.env[key] = value;
  }
});
