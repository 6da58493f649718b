import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { e2eServerCount, serverEnv, specsByServer } from './e2e/support/servers.ts';

/**
 * End-to-end tests against real servers: the global setup starts `cdp start` (embedded
 * PostgreSQL, demo seed, the built web app) on free ports in a fresh data folder, once per server
 * (`CDP_E2E_SERVERS`, default 1; e2e/support/servers.ts). Each server is a project with one
 * worker and its own share of the spec files, so specs that change the demo installation never
 * run against the same server at once, and the servers' specs run side by side.
 * Chromium is Debian's (`/usr/bin/chromium`): Playwright's own browser download is not used.
 */
const servers = e2eServerCount();
const shares = specsByServer(path.join(import.meta.dirname, 'e2e'), servers);
const chromium = {
  ...devices['Desktop Chrome'],
  viewport: { width: 1440, height: 900 },
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
};
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: servers,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // A 2-core machine starting PostgreSQL and hashing passwords with argon2 is not fast.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/artifacts',
  reporter: [['list']],
  use: {
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    // A failed test's trace keeps the DOM snapshot of every action; under CI it records no
    // filmstrip (a screencast frame encoded and shipped to the runner after each paint, in every
    // test, passing or not: 30% of the browser's and runner's CPU over a dashboard visit, measured
    // in docs/decisions.md), unless CDP_E2E_SHOTS=1.
    trace: { mode: 'retain-on-failure', screenshots: !process.env.CI || process.env.CDP_E2E_SHOTS === '1' },
    viewport: { width: 1440, height: 900 },
  },
  projects: shares.map((specs, index) => ({
    name: servers === 1 ? 'chromium' : `chromium-${index + 1}`,
    testMatch: specs,
    workers: 1,
    // Set by the global setup; the config is evaluated again in each worker, after it ran.
    metadata: { importRoot: process.env[serverEnv(index).importRoot] },
    use: { ...chromium, baseURL: process.env[serverEnv(index).baseUrl] },
  })),
});
