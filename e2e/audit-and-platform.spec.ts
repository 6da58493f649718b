import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, PLATFORM_EMAIL } from './support/constants.ts';
import { mainNav, shot, signIn, signOut } from './support/session.ts';

const suffix = Date.now().toString(36);

test('the auditor verifies the chain, filters the trail, reads an event and exports it', async ({ page }) => {
  await signIn(page, 'auditor@demo.cdp.local', DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Activity' }).click();
  await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
  await expect(page.getByText(/Chain verified: \d+ events/)).toBeVisible();

  const filters = page.getByRole('form', { name: 'Filter the audit trail' });
  await filters.getByLabel('Action').fill('auth.');
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/action=auth\./);
  const rows = page.getByRole('row').filter({ has: page.getByRole('button', { name: /details of event/ }) });
  await expect(rows.first()).toContainText('auth.login');
  for (const text of await rows.allInnerTexts()) expect(text).toMatch(/auth\./);

  await rows
    .first()
    .getByRole('button', { name: /Show details of event/ })
    .click();
  await expect(page.getByText('Previous hash')).toBeVisible();
  await shot(page, '30-auditor-activity');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^audit-demo-\d+\.csv$/);
  const csv = await readFile((await download.path()) ?? '', 'utf8');
  expect(csv.split('\r\n')[0]).toBe(
    'sequence,time_utc,actor_type,actor_id,actor,action,resource_type,resource_id,resource,old_values,new_values,reason,ip,user_agent,prev_hash,hash',
  );
  expect(csv).toContain('auth.login');
});

test('a platform admin creates a tenant with a first administrator and a user quota, then switches a feature off', async ({
  page,
}) => {
  const code = `e2e-${suffix}`;
  const ownerEmail = `owner@${code}.example`;
  await signIn(page, PLATFORM_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Organizations' }).click();
  await page.getByRole('button', { name: 'New organization' }).click();
  const dialog = page.getByRole('dialog', { name: 'New organization' });
  await dialog.getByLabel('Name', { exact: true }).fill(`E2E Biotech ${suffix}`);
  await dialog.getByLabel('Code').fill(code);
  await dialog.getByLabel('Maximum users').fill('3');
  await dialog.getByLabel('Create the first organization administrator').check();
  await dialog.getByLabel('Administrator name').fill('Olive Owner');
  await dialog.getByLabel('Administrator e-mail').fill(ownerEmail);
  await dialog.getByLabel('Temporary password').fill('Harbour-Lamp-Quill-5521');
  await shot(page, '31-new-organization');
  await dialog.getByRole('button', { name: 'Create organization' }).click();
  await expect(dialog).toBeHidden();

  await page.goto('/platform/organizations');
  const row = page.getByRole('row').filter({ hasText: code });
  await expect(row).toContainText(`E2E Biotech ${suffix}`);
  await expect(row).toContainText('1 / 3');
  await row.getByRole('link').first().click();
  const dashboards = page.getByLabel('Dashboards', { exact: true });
  await expect(dashboards).toBeChecked();
  await dashboards.click();
  await expect(dashboards).not.toBeChecked();
  await page.reload();
  await expect(page.getByLabel('Dashboards', { exact: true })).not.toBeChecked();
  await shot(page, '32-organization-features');
  await signOut(page);

  await signIn(page, ownerEmail, 'Harbour-Lamp-Quill-5521');
  await expect(page).toHaveURL(/\/change-password$/);
});
