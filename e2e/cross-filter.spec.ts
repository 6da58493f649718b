import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A click on an event-level category filters the whole dashboard to the subjects who have such an
 * event and keeps the filter bar's own filters; the dashboard says which data version it shows; the
 * subjects behind a number download as CSV.
 */

async function openOverview(page: Page): Promise<void> {
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  await openDemoDashboard(page, 'Clinical Study Overview', { drawn: true });
}

async function metric(page: Page, id: string): Promise<number> {
  const widget = page.locator(`[data-widget-id="${id}"]`);
  await expect(widget).toHaveAttribute('data-state', 'ready');
  const text = (await widget.locator('[data-metric-value]').textContent()) ?? '';
  return Number(text.replace(/[^\d.]/g, ''));
}

test('a click on an AE body system filters every widget to those subjects and keeps the arm filter', async ({
  page,
}) => {
  await openOverview(page);
  await expect(page.locator('[data-version-stamp]')).toContainText(/Data \d{8}_\d{6}/);
  await expect(page.locator('[data-version-stamp]')).toContainText('generated demo data');

  await page.locator('[data-filter="arm"]').click();
  await page
    .getByRole('list', { name: 'Treatment arm values' })
    .getByRole('button', { name: /^Placebo/ })
    .click();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('[data-filter-chip="arm"]')).toBeVisible();
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  const placebo = await metric(page, 'total-screened');

  // The body-system chart as a table: a row click is the same cross-filter as a bar click.
  const chart = page.locator('[data-widget-id="ae-by-soc"]');
  await chart.getByRole('button', { name: /: actions$/ }).click();
  await page.getByRole('menuitem', { name: 'Show as table' }).click();
  await chart.locator('tr[data-row]').first().click();

  const chip = page.locator('[data-filter-chip="ae_body_system"]');
  await expect(chip).toBeVisible();
  await expect(page.locator('[data-filter-chip="arm"]')).toBeVisible();
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  await expect.poll(() => metric(page, 'total-screened')).toBeLessThan(placebo);
  // Every widget with a subject id applies it: none says it is not filtered by the body system.
  await expect(page.getByText(/Not filtered by .*body system/i)).toHaveCount(0);
  await shot(page, 'cross-filter-body-system');

  // The chip removes it again; the arm filter stays.
  await chip.getByRole('button', { name: /Remove filter/ }).click();
  await expect(chip).toHaveCount(0);
  await expect(page.locator('[data-filter-chip="arm"]')).toBeVisible();
  await expect.poll(() => metric(page, 'total-screened')).toBe(placebo);
});

test('the subjects behind a number download as CSV, and the sheet names the data version', async ({ page }) => {
  await openOverview(page);
  const chart = page.locator('[data-widget-id="ae-by-soc"]');
  await chart.getByRole('button', { name: /: actions$/ }).click();
  await page.getByRole('menuitem', { name: 'Show as table' }).click();
  await chart.locator('[data-drill]').first().click();
  const sheet = page.getByRole('dialog');
  await expect(sheet.getByRole('table', { name: 'Subjects' }).getByRole('row').nth(1)).toBeVisible();
  await expect(sheet.locator('[data-version-stamp]')).toBeVisible();

  await sheet.getByRole('button', { name: 'Download' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('menuitem', { name: /CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/subjects\.csv$/);
  const text = (await readFile((await download.path()) ?? '', 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^Subject/);
  const total = Number((await sheet.textContent())?.match(/([\d,]+) subjects?/)?.[1]?.replace(',', ''));
  expect(lines.length - 1).toBe(total);
});

test('an unknown address says so inside the app shell', async ({ page }) => {
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});
