import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from '@playwright/test';

/**
 * The end-to-end run's servers. Specs change the demo installation they run against (feature
 * flags, active versions, roles, locks), so two specs never share one at the same time: each server
 * is a Playwright project with one worker (playwright.config.ts), and the spec files are split
 * between the servers. `CDP_E2E_SERVERS` (default 1) sets how many; 1 runs everything against one
 * server, one spec at a time, as before.
 */
export function e2eServerCount(): number {
  const count = Number(process.env.CDP_E2E_SERVERS ?? 1);
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

/** The environment variables through which the global setup hands server `index` to the workers. */
export function serverEnv(index: number): { baseUrl: string; importRoot: string } {
  return { baseUrl: `CDP_E2E_BASE_URL_${index}`, importRoot: `CDP_E2E_IMPORT_ROOT_${index}` };
}

/**
 * The spec files (names relative to `dir`) of each server: every `*.spec.ts`, largest first, each
 * given to the server with the fewest bytes so far. Size stands for running time well enough to
 * balance, needs no list (a new spec lands somewhere), and is the same in the runner and its workers.
 */
export function specsByServer(dir: string, servers: number): string[][] {
  const specs = readdirSync(dir)
    .filter((name) => name.endsWith('.spec.ts'))
    .map((name) => ({ name, size: statSync(path.join(dir, name)).size }))
    .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));
  const bins = Array.from({ length: servers }, () => ({ names: [] as string[], size: 0 }));
  for (const spec of specs) {
    const lightest = bins.reduce((min, bin) => (bin.size < min.size ? bin : min));
    lightest.names.push(spec.name);
    lightest.size += spec.size;
  }
  return bins.map((bin) => bin.names);
}

/**
 * The IMPORT_ROOT of the server this test runs against (the data-sources spec drops files there;
 * the outbox of scheduled reports is beside it).
 */
export function importRoot(): string {
  const root = test.info().project.metadata.importRoot as string | undefined;
  if (!root) throw new Error('the global setup sets the server’s IMPORT_ROOT (e2e/global-setup.ts)');
  return root;
}
