import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests against a real server: the global setup starts `cdp start` (embedded
 * PostgreSQL, demo seed, the built web app) on free ports in a fresh data folder.
 * Chromium is Debian's (`/usr/bin/chromium`): Playwright's own browser download is not used.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // A 2-core machine starting PostgreSQL and hashing passwords with argon2 is not fast.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/artifacts',
  reporter: [['list']],
  use: {
    // Set by the global setup; the config is evaluated again in each worker, after it ran.
    baseURL: process.env.CDP_E2E_BASE_URL,
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: 'chromium',
      use: {
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
      },
    },
  ],
});
