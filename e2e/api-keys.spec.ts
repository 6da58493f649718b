import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn } from './support/session.ts';

async function at(page: Page, width: number, name: string) {
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await shot(page, `${name}-${width}`);
}

test('an administrator creates an API key, a system uses it, and the administrator revokes it', async ({
  page,
  request,
}) => {
  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Manage API keys' }).click();
  await expect(page.getByRole('heading', { name: 'API keys', level: 1 })).toBeVisible();
  await expect(page.getByText('No API keys yet')).toBeVisible();

  await page.getByRole('button', { name: 'New API key' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Warehouse nightly sync');
  await expect(dialog.getByLabel('View studies')).toBeChecked();
  await dialog.getByLabel('View dashboards').check();
  // Keys never manage keys, users or roles: those are not offered.
  await expect(dialog.getByLabel('Manage users and role assignments')).toHaveCount(0);
  await dialog.getByLabel('Only these studies').check();
  await dialog.getByText('CDP-301').click();
  for (const width of [1440, 1024, 390]) await at(page, width, '70-api-key-create');
  await page.setViewportSize({ width: 1440, height: 900 });
  await dialog.getByRole('button', { name: 'Create key' }).click();

  const secret = (await dialog.getByTestId('api-key-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^cdp_[0-9A-Za-z]{43}$/);
  await expect(dialog.getByText('This is the only time the key is shown')).toBeVisible();
  for (const width of [1440, 1024, 390]) await at(page, width, '71-api-key-secret');
  await page.setViewportSize({ width: 1440, height: 900 });
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Another system calls the API with it.
  const studies = await request.get('/api/studies', { headers: { 'x-api-key': secret } });
  expect(studies.status()).toBe(200);
  expect(studies.headers()['ratelimit-limit']).toBe('100');
  expect((await studies.json()).data.map((s: { code: string }) => s.code)).toEqual(['CDP-301']);

  await page.reload();
  const row = page.getByRole('row').filter({ hasText: 'Warehouse nightly sync' });
  await expect(row).toContainText(secret.slice(0, 10));
  await expect(row).toContainText('CDP-301');
  await expect(row).toContainText('active');
  await expect(row).not.toContainText('Never');
  await expect(page.getByText(secret)).toHaveCount(0);
  for (const width of [1440, 1024, 390]) await at(page, width, '72-api-keys');
  await page.setViewportSize({ width: 1440, height: 900 });

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog').getByLabel('Reason').fill('Warehouse moved to a new key');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke key' }).click();
  await expect(row).toContainText('revoked');
  await expect(row).toContainText('Warehouse moved to a new key');
  const refused = await request.get('/api/studies', { headers: { authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toContain('revoked');
});
