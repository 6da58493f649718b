import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD, PLATFORM_EMAIL } from './support/constants.ts';
import { mainNav, shot, signIn, submitSignIn } from './support/session.ts';

test('a wrong password is explained and the form stays usable', async ({ page }) => {
  await submitSignIn(page, ADMIN_EMAIL, 'not-the-right-password');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('E-mail or password is incorrect');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await expect(page.getByLabel('E-mail')).toHaveValue(ADMIN_EMAIL);
  await shot(page, '20-login-wrong-password');
});

test('the platform admin sees the Platform section and the tenants', async ({ page }) => {
  await signIn(page, PLATFORM_EMAIL, DEMO_PASSWORD);
  const nav = mainNav(page);
  await expect(nav.getByRole('heading', { name: 'Platform' })).toBeVisible();
  await nav.getByRole('link', { name: 'Organizations' }).click();
  await expect(page.getByRole('heading', { name: 'Organizations', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Demo Pharma' });
  await expect(row).toBeVisible();
  await expect(row).toContainText('demo');
  await expect(row).toContainText('Active');
  await shot(page, '21-platform-organizations');
});
