import { expect, type Page } from '@playwright/test';

/** The demo installation's study (`cdp start` seeds it): the one most specs work in. */
export const DEMO_STUDY = /CDP-301/;

/**
 * Opens a dashboard of the demo study the way a user does, from wherever the app is: Studies → the
 * study → Dashboards → the dashboard, then waits for its heading. With `drawn`, also waits until
 * no widget is still loading.
 */
export async function openDemoDashboard(
  page: Page,
  name = 'Clinical Study Overview',
  options: { drawn?: boolean } = {},
): Promise<void> {
  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page.getByRole('link', { name: DEMO_STUDY }).first().click();
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page
    .getByRole('link', { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
    .first()
    .click();
  // The page's data loads before its heading shows: 30 s, as for its widgets, on a loaded machine.
  await expect(page.getByRole('heading', { name })).toBeVisible({ timeout: 30_000 });
  if (options.drawn) {
    await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  }
}
