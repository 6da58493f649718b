import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { importRoot } from './support/servers.ts';
import { mainNav, shot, signIn } from './support/session.ts';

/*
 * A study manager schedules the demo study's dashboard as a weekly report, sees the next five runs
 * in the chosen zone before saving, sends a test and finds the run in the history. The e2e server
 * has no SMTP_URL, so the page says mail goes to the outbox folder and the run writes an .eml file.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';
const NAME = `Weekly overview ${Date.now().toString(36)}`;

async function screenshots(page: Page, name: string) {
  for (const [width, height] of [
    [1440, 900],
    [1024, 768],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await shot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('a study manager schedules a weekly report, previews its runs, sends a test and sees it in the history', async ({
  page,
}) => {
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Reports' }).click();
  await expect(page).toHaveURL(/\/studies\/[0-9a-f-]+\/reports/);
  await expect(page.getByText('No SMTP server is configured')).toBeVisible();
  await expect(page.getByText('Messages are written to .data/outbox/ on the server')).toBeVisible();

  await page.getByRole('button', { name: 'New report' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New scheduled report' });
  await dialog.getByLabel('Name').fill(NAME);
  await expect(dialog.getByLabel('Dashboard', { exact: true })).toContainText('Clinical Study Overview');
  await dialog.getByLabel('Dashboard', { exact: true }).selectOption({ label: 'Clinical Study Overview' });
  await dialog.getByLabel('Repeats').selectOption('weekly');
  const days = dialog.getByRole('group', { name: 'Days of the week' });
  // Monday is on by default; add Thursday.
  await days.getByRole('button', { name: 'Thu' }).click();
  await expect(days.getByRole('button', { name: 'Thu' })).toHaveAttribute('aria-pressed', 'true');
  await dialog.getByLabel('Time of day').fill('07:30');
  await dialog.getByLabel('Time zone').selectOption('Europe/Berlin');

  const runs = dialog.getByRole('region', { name: 'Next runs' }).getByRole('listitem');
  await expect(runs).toHaveCount(5);
  await expect(dialog.getByRole('region', { name: 'Next runs' })).toContainText('07:30');

  // A bad address is refused on the spot; a good one becomes a chip.
  const recipients = dialog.getByLabel('Recipients');
  await recipients.fill('not-an-address');
  await recipients.press('Enter');
  await expect(dialog.getByText('“not-an-address” is not an e-mail address.')).toBeVisible();
  // An address outside the organization: the server's 400 shows next to Recipients.
  await recipients.fill('outsider@example.org');
  await recipients.press('Enter');
  await dialog.getByRole('button', { name: 'Schedule report' }).click();
  await expect(dialog.getByText(/outsider@example\.org is not a user of this organization/)).toBeVisible();
  await expect(recipients).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByRole('button', { name: 'Remove outsider@example.org' }).click();
  await recipients.fill('monitor@demo.cdp.local');
  await recipients.press('Enter');
  await expect(dialog.getByRole('button', { name: 'Remove monitor@demo.cdp.local' })).toBeVisible();
  await screenshots(page, '40-report-form');

  const created = page.waitForResponse(
    (r) => r.request().method() === 'POST' && /\/scheduled-reports$/.test(new URL(r.url()).pathname),
  );
  await dialog.getByRole('button', { name: 'Schedule report' }).click();
  const response = await created;
  expect(response.status()).toBe(201);
  const reportId = ((await response.json()) as { data: { id: string } }).data.id;
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: NAME });
  await expect(row).toContainText('Clinical Study Overview');
  await expect(row).toContainText('Europe/Berlin');
  await expect(row.getByRole('switch')).toBeChecked();
  await screenshots(page, '41-reports-list');

  await row.getByRole('button', { name: `Send test of ${NAME}` }).click();
  const history = page.getByRole('dialog', { name: `History: ${NAME}` });
  await expect(history).toBeVisible();
  const run = history.getByRole('listitem').first();
  await expect(run).toContainText('Test');
  await expect(run).toContainText(MANAGER_EMAIL);
  await expect(run.getByText('Sent', { exact: true })).toBeVisible({ timeout: 60_000 });
  // The report was saved as PDF: the run names the rendered file (study, dashboard, when) and its size.
  await expect(run).toContainText(/Clinical Study Overview [\d -]+\.pdf · [\d.]+ (B|KB|MB) · attached/);
  await screenshots(page, '42-report-history');
  await page.keyboard.press('Escape');

  await expect(history).toBeHidden();

  // A run that fails after its file was made (the outbox folder made unwritable by a plain file in
  // its place) offers "Resend"; resending once mail works again sends the same file: a new run.
  const outbox = path.join(path.dirname(importRoot()), 'outbox');
  await rename(outbox, `${outbox}.aside`);
  await writeFile(outbox, 'not a folder');
  try {
    await row.getByRole('button', { name: `Send test of ${NAME}` }).click();
    await expect(history).toBeVisible();
    const failed = history.getByRole('listitem').first();
    await expect(failed.getByText('Failed', { exact: true })).toBeVisible({ timeout: 60_000 });
  } finally {
    await rm(outbox, { force: true });
    await rename(`${outbox}.aside`, outbox);
  }
  await expect(history.getByRole('button', { name: 'Resend', exact: true })).toHaveCount(1);
  await screenshots(page, '43-report-history-failed');
  await history.getByRole('button', { name: 'Resend', exact: true }).click();
  const resent = history.getByRole('listitem').filter({ hasText: 'Resent' });
  await expect(resent.getByText('Sent', { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(resent).toContainText(MANAGER_EMAIL);
  await screenshots(page, '44-report-history-resent');
  await page.keyboard.press('Escape');
  await expect(history).toBeHidden();

  // Pausing is a PUT; the next run gives way to "Paused".
  await row.getByRole('switch').click();
  await expect(row.getByRole('switch')).not.toBeChecked();
  await expect(row).toContainText('Paused');

  // The e-mails link to ?report=<id>: that report's history opens.
  await page.goto(`${new URL(page.url()).pathname}?report=${reportId}`);
  await expect(page.getByRole('dialog', { name: `History: ${NAME}` })).toBeVisible();
});

test('monthly and cron reports: pages, filters and paper are chosen, edited and kept; a report is deleted', async ({
  page,
}) => {
  const name = `Month-end overview ${Date.now().toString(36)}`;
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Reports' }).click();

  await page.getByRole('button', { name: 'New report' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New scheduled report' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Dashboard', { exact: true }).selectOption({ label: 'Clinical Study Overview' });
  // Monthly on the last day: February's run falls on its last day, not on the 31st.
  await dialog.getByLabel('Repeats').selectOption('monthly');
  await dialog.getByLabel('Day of the month').selectOption('last');
  await dialog.getByLabel('Time of day').fill('18:00');
  await dialog.getByLabel('Time zone').selectOption('UTC');
  const preview = dialog.getByRole('region', { name: 'Next runs' });
  await expect(preview.getByRole('listitem')).toHaveCount(5);
  await expect(preview).toContainText(/last day/i);
  await expect(preview).toContainText('18:00');

  // Only the Overview and Safety pages, women only, on US Letter in portrait.
  const pages = dialog.getByRole('list', { name: 'Pages to send' });
  await expect(pages.getByRole('checkbox')).not.toHaveCount(0);
  for (const box of await pages.getByRole('checkbox').all()) {
    const label = await box.evaluate((el) => document.querySelector(`label[for="${el.id}"]`)?.textContent ?? '');
    if (label !== 'Overview' && label !== 'Safety') await box.click();
  }
  await expect(pages.getByRole('checkbox', { name: 'Overview' })).toBeChecked();
  await expect(dialog.getByText('2 of')).toBeVisible();
  await dialog.locator('[data-filter="age"]').click();
  await page.getByRole('button', { name: '65–80' }).click();
  await expect(dialog.getByRole('list', { name: 'Filters in force' })).toContainText('65–80');
  await dialog.getByLabel('Paper size').selectOption('Letter');
  await dialog.getByLabel('Orientation').selectOption('portrait');
  const recipients = dialog.getByLabel('Recipients');
  await recipients.fill('monitor@demo.cdp.local');
  await recipients.press('Enter');
  await screenshots(page, '43-report-form-contents');

  const created = page.waitForRequest(
    (r) => r.method() === 'POST' && /\/scheduled-reports$/.test(new URL(r.url()).pathname),
  );
  await dialog.getByRole('button', { name: 'Schedule report' }).click();
  const body = (await created).postDataJSON() as Record<string, unknown>;
  expect(body.schedule).toMatchObject({ type: 'monthly', dayOfMonth: 'last', time: '18:00', timeZone: 'UTC' });
  expect(body.pages).toEqual(['overview', 'safety']);
  expect(body.filters).toEqual([{ field: 'age', op: 'between', value: [65, 80] }]);
  expect(body.options).toEqual({ paperSize: 'Letter', orientation: 'portrait' });
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText(/last day/i);

  // Editing shows what was saved, and changes it: a cron schedule, landscape, no filter.
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit “${name}”` });
  await expect(edit.getByLabel('Repeats')).toHaveValue('monthly');
  await expect(edit.getByLabel('Day of the month')).toHaveValue('last');
  await expect(
    edit.getByRole('list', { name: 'Pages to send' }).getByRole('checkbox', { name: 'Safety' }),
  ).toBeChecked();
  await expect(edit.getByRole('list', { name: 'Filters in force' })).toContainText('65–80');
  await expect(edit.getByLabel('Paper size')).toHaveValue('Letter');
  await edit.getByLabel('Repeats').selectOption('cron');
  await edit.getByLabel('Cron expression').fill('15 7 * * 1-5');
  await expect(edit.getByRole('region', { name: 'Next runs' }).getByRole('listitem')).toHaveCount(5);
  await expect(edit.getByRole('region', { name: 'Next runs' })).toContainText('07:15');
  // A cron that fires every minute is refused beside the field.
  await edit.getByLabel('Cron expression').fill('* * * * *');
  await expect(edit.getByRole('region', { name: 'Next runs' })).toContainText('a report may run at most every');
  await edit.getByLabel('Cron expression').fill('15 7 * * 1-5');
  await edit.getByLabel('Orientation').selectOption('landscape');
  await edit.getByRole('button', { name: /Remove filter Age group/ }).click();
  const saved = page.waitForRequest((r) => r.method() === 'PUT' && /\/scheduled-reports\//.test(r.url()));
  await edit.getByRole('button', { name: 'Save report' }).click();
  const put = (await saved).postDataJSON() as Record<string, unknown>;
  expect(put.schedule).toMatchObject({ type: 'cron', cron: '15 7 * * 1-5', timeZone: 'UTC' });
  expect(put.pages).toEqual(['overview', 'safety']);
  expect(put.filters).toEqual([]);
  expect(put.options).toEqual({ paperSize: 'Letter', orientation: 'landscape' });
  await expect(edit).toBeHidden();
  await expect(row).toContainText('Cron "15 7 * * 1-5" (UTC)');

  // Delete asks first; the report then leaves the list.
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Delete “${name}”?` });
  await confirm.getByRole('button', { name: 'Delete report' }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toHaveCount(0);
});
