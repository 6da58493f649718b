import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * Keeps the dashboards and the dataset viewer looking finished at a desktop, a tablet and a phone
 * width: no table cut without a visible way to scroll, no chart labels over each other or out of
 * their chart, no error in the console. Screenshots of every page at every width land in
 * test-results/layout-*.png for a person to look at.
 */

const WIDTHS = [1440, 1024, 390];
const PAGES = ['overview', 'safety', 'subjects'];

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** Headline numbers of cards side by side stand on one line, with or without a comparison under them. */
async function metricsOffLevel(page: Page): Promise<string[]> {
  const boxes = await page.locator('[data-metric-value]').evaluateAll((els) =>
    els.map((el) => {
      const card = el.closest('[data-widget-id]');
      return {
        id: card?.getAttribute('data-widget-id') ?? '?',
        top: Math.round(card?.getBoundingClientRect().top ?? 0),
        bottom: Math.round(el.getBoundingClientRect().bottom),
      };
    }),
  );
  return boxes.flatMap((a) =>
    boxes
      .filter((b) => b.id > a.id && b.top === a.top && Math.abs(b.bottom - a.bottom) > 1)
      .map((b) => `overview @1440: the numbers of ${a.id} and ${b.id} stand ${Math.abs(b.bottom - a.bottom)}px apart`),
  );
}

async function settled(page: Page): Promise<void> {
  await expect(page.locator('[data-widget-id]').first()).toBeVisible();
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-widget-id][data-state="error"]')).toHaveCount(0);
  // Chart animations (350 ms) end before labels are read.
  await page.waitForTimeout(600);
}

test('dashboard pages and the dataset viewer fit at 1440, 1024 and 390 px', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  const studyUrl = new URL(page.url());
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page
    .getByRole('link', { name: /Clinical Study Overview/ })
    .first()
    .click();
  await expect(page.getByRole('heading', { name: 'Clinical Study Overview' })).toBeVisible();
  const dashboardUrl = new URL(page.url());

  const problems: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const name of PAGES) {
      dashboardUrl.searchParams.set('page', name);
      await page.goto(dashboardUrl.toString());
      await settled(page);
      await shot(page, `layout-${name}-${width}`, { always: true });
      problems.push(...(await layoutProblems(page)).map((p) => `${name} @${width}: ${p}`));
      if (name === 'overview' && width === 1440) problems.push(...(await metricsOffLevel(page)));
    }

    await page.goto(`${studyUrl.pathname}/data`);
    await page.getByRole('link', { name: 'AE', exact: true }).first().click();
    await expect(page.getByRole('table').first()).toBeVisible();
    await expect(page.locator('tr[aria-busy="true"]')).toHaveCount(0, { timeout: 30_000 });
    await shot(page, `layout-dataset-${width}`, { always: true });
    problems.push(...(await layoutProblems(page)).map((p) => `dataset viewer @${width}: ${p}`));
  }
  // Resizing a drawn dashboard (window, sidebar, breakpoint) redraws every chart without an error;
  // ECharts' map used to throw "Cannot read properties of null (reading '0')" on a box without area.
  dashboardUrl.searchParams.set('page', 'overview');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(dashboardUrl.toString());
  await settled(page);
  for (const width of [1024, 390, 1440, 700]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(500);
  }
  await settled(page);

  expect(problems, 'layout problems').toEqual([]);
  expect(errors, 'console errors').toEqual([]);
});
