import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A central monitor's look at the sites of the demo study: the Site monitoring dashboard the first
 * start created draws the KRI chart and the site risk table, the most at-risk site is first, and
 * its row drills to that site's subjects. Screenshots at 1440, 1024 and 390 px.
 */

async function expectDrawn(page: Page, count: number): Promise<void> {
  await expect(page.locator('[data-widget-id]')).toHaveCount(count);
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-widget-id][data-state="error"]')).toHaveCount(0);
}

test('a monitor reads the site risk of the demo study and drills into the riskiest site', async ({ page }) => {
  await signIn(page, 'monitor@demo.cdp.local', DEMO_PASSWORD);
  await openDemoDashboard(page, 'Site monitoring');
  await expectDrawn(page, 2);

  const risk = page.locator('[data-widget-id="kri-table"]');
  await expect(risk.getByRole('columnheader', { name: 'Site flag' })).toBeVisible();
  await expect(risk.getByRole('columnheader', { name: 'AE rate', exact: true })).toBeVisible();
  await expect(risk.getByRole('columnheader', { name: 'Query rate', exact: true })).toBeVisible();

  const problems: string[] = [];
  for (const width of [1440, 1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expectDrawn(page, 2);
    await shot(page, `site-monitoring-${width}`);
    problems.push(...(await layoutProblems(page)).map((p) => `@${width}: ${p}`));
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  expect(problems).toEqual([]);

  // The first row is the most at-risk site: its subjects, and only its subjects.
  const firstSite = (await risk.locator('tbody tr').first().locator('td').first().textContent())?.trim() ?? '';
  expect(firstSite).not.toBe('');
  await risk.locator('[data-drill]').first().click();
  const sheet = page.getByRole('dialog');
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText(firstSite);
  const subjects = sheet.getByRole('table', { name: 'Subjects' });
  await expect(subjects.getByRole('row').nth(1)).toBeVisible();
  await shot(page, 'site-monitoring-drill');
});

test('the demo study has a Safety review dashboard whose pages draw (Kaplan-Meier left out without ADTTE)', async ({
  page,
}) => {
  await signIn(page, 'monitor@demo.cdp.local', DEMO_PASSWORD);
  await openDemoDashboard(page, 'Safety review');
  const pages = page.getByRole('navigation', { name: 'Dashboard pages' });
  await expect(pages.getByText('Time to event')).toHaveCount(0);
  for (const [tab, count] of [
    ['Adverse events', 1],
    ['Liver (eDISH)', 2],
  ] as const) {
    await pages.getByText(tab).click();
    await expectDrawn(page, count);
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await expectDrawn(page, count);
      await shot(page, `safety-review-${tab.split(' ')[0]?.toLowerCase()}-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});
