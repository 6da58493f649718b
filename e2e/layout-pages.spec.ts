import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { DEMO_STUDY } from './support/demo-study.ts';
import { layoutProblems } from './support/layout-check.ts';
import { pilotSdtmStudy } from './support/pilot-sdtm.ts';
import { shot, signIn } from './support/session.ts';

/*
 * The pages around the dashboards (layout.spec.ts has those) at a desktop, a tablet and a phone
 * width, with the same check: no table cut without a way to scroll, no page wider than the
 * window, no console error. Each page is loaded once and checked at each width by resizing, which
 * is what a reader turning a tablet does too, and keeps the test short.
 */

const WIDTHS = [1440, 1024, 390];

/**
 * Paths under the demo study (`$study`) and the pilot SDTM study (`$pilot`: eighteen datasets,
 * long arm names and terms), and the organization's own pages: those with tables, grids of cards
 * or forms that have broken at one of the widths before (other specs' screenshots show the rest).
 */
const PAGES: [name: string, path: string][] = [
  ['home', '/'],
  ['study', '$study'],
  ['study-data', '$study/data'],
  ['study-review', '$study/review'],
  ['pipeline-new', '$study/pipelines/new'],
  ['pilot-study', '$pilot'],
  ['pilot-data', '$pilot/data'],
  ['pilot-review', '$pilot/review'],
  ['pilot-reports', '$pilot/reports'],
  ['pilot-dashboards', '$pilot/dashboards'],
  ['data-sources', '/data-sources'],
  ['activity', '/activity'],
  ['settings', '/settings'],
];

async function drawn(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.animate-pulse')).toHaveCount(0, { timeout: 30_000 });
}

test('the pages around the dashboards fit at 1440, 1024 and 390 px', async ({ page, request }) => {
  test.setTimeout(240_000);
  const pilot = await pilotSdtmStudy(request);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page.getByRole('link', { name: DEMO_STUDY }).first().click();
  await expect(page).toHaveURL(/\/studies\/[0-9a-f-]{36}$/);
  const study = new URL(page.url()).pathname;

  const problems: string[] = [];
  for (const [name, path] of PAGES) {
    await page.setViewportSize({ width: WIDTHS[0] ?? 1440, height: 900 });
    await page.goto(path.replace('$study', study).replace('$pilot', pilot.path));
    await drawn(page);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // A resize lays the page out again in the next frame.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      problems.push(...(await layoutProblems(page)).map((p) => `${name} @${width}: ${p}`));
      await shot(page, `layout-${name}-${width}`);
    }
  }
  expect(problems, 'layout problems').toEqual([]);
  expect(errors, 'console errors').toEqual([]);
});
