import { expect, type Locator, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A medical monitor's morning on the demo study: the Clinical Study Overview the first start created
 * is drawn from the generated SDTM data, an arm filter changes the numbers, a bar of the AE chart
 * drills to the subjects behind it. Then a study manager adds a bar chart in the builder, maps it
 * with the suggestions, saves, reloads and finds it there.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';

/** Waits until every widget on the page has finished (drawn or empty) and none failed. */
async function expectAllDrawn(page: Page, count: number): Promise<void> {
  const widgets = page.locator('[data-widget-id]');
  await expect(widgets).toHaveCount(count);
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  const failed = await page
    .locator('[data-widget-id][data-state="error"]')
    .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-widget-id')}: ${e.textContent}`));
  expect(failed, 'widgets in an error state').toEqual([]);
  await expect(page.locator('[data-widget-id][data-state="ready"]')).toHaveCount(count);
}

function widget(page: Page, id: string): Locator {
  return page.locator(`[data-widget-id="${id}"]`);
}

/** The headline number of a metric widget. */
async function metric(page: Page, id: string): Promise<number> {
  await expect(widget(page, id)).toHaveAttribute('data-state', 'ready');
  const text = (await widget(page, id).locator('[data-metric-value]').textContent()) ?? '';
  return Number(text.replace(/[^\d.]/g, ''));
}

test('a monitor reads the demo dashboard, filters it by arm and drills to subjects', async ({ page }) => {
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page);
  await expectAllDrawn(page, 12);
  await shot(page, 'dashboard-overview');

  const screened = await metric(page, 'total-screened');
  const aes = await metric(page, 'total-aes');
  expect(screened).toBe(300);
  expect(aes).toBeGreaterThan(0);

  // Treatment arm → Placebo: every widget that maps the arm is redrawn with fewer subjects.
  await page.locator('[data-filter="arm"]').click();
  await page
    .getByRole('list', { name: 'Treatment arm values' })
    .getByRole('button', { name: /^Placebo/ })
    .click();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('[data-filter-chip="arm"]')).toBeVisible();
  await expect(page).toHaveURL(/f=/);
  await expect.poll(() => metric(page, 'total-screened')).toBeLessThan(screened);
  await expect.poll(() => metric(page, 'total-aes')).toBeLessThan(aes);
  await expectAllDrawn(page, 12);
  await shot(page, 'dashboard-filtered-placebo');

  // The URL holds the view: a reload shows the same filtered numbers, read in one request for
  // the whole page (not one per widget).
  const placeboScreened = await metric(page, 'total-screened');
  const dataRequests: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (/\/dashboards\/[^/]+\/(widgets\/[^/]+\/)?data$/.test(pathname)) dataRequests.push(pathname);
  });
  await page.reload();
  await expect.poll(() => metric(page, 'total-screened')).toBe(placeboScreened);
  await expectAllDrawn(page, 12);
  expect(dataRequests).toHaveLength(1);
  expect(dataRequests[0]).toMatch(/\/dashboards\/[^/]+\/data$/);

  // Drill from the AE chart: its data as a table, then the subjects behind the first body system.
  const aeChart = widget(page, 'ae-by-soc');
  await aeChart.getByRole('button', { name: /: actions$/ }).click();
  await page.getByRole('menuitem', { name: 'Show as table' }).click();
  const drill = aeChart.locator('[data-drill]').first();
  const label = (await drill.getAttribute('aria-label')) ?? '';
  const soc = /View subjects: .*?([A-Z][a-z]+[^,·]*disorders|[A-Z][a-z][^,·]*)/.exec(label)?.[1] ?? '';
  await drill.click();
  const sheet = page.getByRole('dialog');
  await expect(sheet).toBeVisible();
  const subjects = sheet.getByRole('table', { name: 'Subjects' });
  await expect(subjects.getByRole('row').nth(1)).toBeVisible();
  await expect(sheet).toContainText(soc.trim().slice(0, 12));
  await expect(page).toHaveURL(/drill=/);
  await shot(page, 'dashboard-drill');

  // The Subjects page's listing pages and sorts on the server.
  await page.keyboard.press('Escape');
  await page.getByRole('navigation', { name: 'Dashboard pages' }).getByText('Subjects').click();
  const listing = widget(page, 'subject-listing');
  await expect(listing).toHaveAttribute('data-state', 'ready');
  await expect(listing.getByRole('navigation', { name: 'Pagination' })).toContainText(/1–50 of \d+ rows/);
  await listing.getByRole('button', { name: 'Next' }).click();
  await expect(listing.getByRole('navigation', { name: 'Pagination' })).toContainText(/51–\d+ of/);
  await listing.getByRole('columnheader', { name: 'Age' }).getByRole('button').click();
  await expect(listing.getByRole('columnheader', { name: 'Age' })).toHaveAttribute('aria-sort', 'ascending');
  await expect(listing.getByRole('navigation', { name: 'Pagination' })).toContainText(/1–50 of/);
});

test('a study manager adds a bar chart in the builder, mapped by the suggestions, and it is saved', async ({
  page,
}) => {
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page);
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByTestId('library-item-bar')).toBeVisible();

  const before = await page.locator('[data-widget-id]').count();
  await page.getByTestId('library-item-bar').click();
  await expect(page.locator('[data-widget-id]')).toHaveCount(before + 1);
  const properties = page.getByTestId('properties');
  await expect(properties).toBeVisible();

  await properties.getByLabel('Dataset').selectOption('AE');
  await properties.getByRole('button', { name: 'Suggest mapping' }).click();
  await expect(properties).toContainText(/(\d+) of \1 required fields? mapped/);
  await properties.getByRole('textbox', { name: 'Title', exact: true }).fill('AEs by body system (builder)');
  const preview = page.locator('[data-widget-id]', { hasText: 'AEs by body system (builder)' });
  await expect(preview).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await shot(page, 'builder-bar-added');

  // A filter on a field the widgets map joins the filter bar.
  await page.getByRole('button', { name: /^Filters/ }).click();
  const filtersDialog = page.getByRole('dialog', { name: 'Dashboard filters' });
  await filtersDialog.getByLabel('Add a filter on').selectOption({ label: 'AE serious (Y/N) (ae_serious)' });
  await filtersDialog.getByRole('button', { name: 'Add filter' }).click();
  await expect(filtersDialog.getByRole('list', { name: 'Filters' }).getByRole('listitem')).toHaveCount(6);
  await shot(page, 'builder-filters');
  await filtersDialog.getByRole('button', { name: 'Done' }).click();

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Saved as version \d+/)).toBeVisible();

  await page.reload();
  const added = page.locator('[data-widget-id]', { hasText: 'AEs by body system (builder)' });
  await expect(added).toBeVisible();
  await expect(added).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await shot(page, 'builder-after-reload');

  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  await expect(page.locator('[data-filter="ae_serious"]')).toBeVisible();
  await expect(page.locator('[data-widget-id]', { hasText: 'AEs by body system (builder)' })).toBeVisible();
});
