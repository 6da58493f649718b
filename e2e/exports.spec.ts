import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A study manager exports the demo dashboard as PDF and as Excel from the Export dialog, follows
 * the progress and downloads each file; then downloads one widget as CSV from its menu. The files
 * are made on the server by the export job that `cdp start` runs in-process.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';

async function exportAs(page: Page, format: string, extension: string, widths: number[] = []): Promise<Buffer> {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export dashboard' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Format').selectOption({ label: format });
  await dialog.getByLabel('Pages').selectOption({ index: 1 });
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `export-dialog-${width}`, { fullPage: false });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const download = dialog.getByRole('button', { name: 'Download', exact: true });
  await expect(download).toBeVisible({ timeout: 60_000 });
  await expect(dialog.locator('[data-export-status="SUCCEEDED"]')).toBeVisible();
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toMatch(new RegExp(`Clinical Study Overview .+\\.${extension}$`));
  const body = await readFile((await file.path()) ?? '');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  return body;
}

test('a study manager exports the demo dashboard as PDF and Excel, and a widget as CSV', async ({ page }) => {
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page, 'Clinical Study Overview', { drawn: true });

  const pdf = await exportAs(page, 'PDF document', 'pdf', [1440, 1024, 390]);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const xlsx = await exportAs(page, 'Excel workbook (a sheet per widget)', 'xlsx');
  expect(xlsx.subarray(0, 2).toString()).toBe('PK');

  const card = page.locator('[data-widget-id="site-summary"]');
  await card.getByRole('button', { name: /actions$/ }).click();
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('menuitem', { name: 'Download CSV' }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/Site Summary\.csv$/);
  const text = await readFile((await csv.path()) ?? '', 'utf8');
  expect(text.split('\n')[0]).toContain('Site');
});
