import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD, PLATFORM_EMAIL } from './support/constants.ts';
import { mainNav, shot, signIn, signOut } from './support/session.ts';

const MONITOR_EMAIL = 'monitor@demo.cdp.local';

async function at(page: Page, width: number, name: string) {
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await shot(page, `${name}-${width}`);
}

test('an organization administrator reads denied requests in the security log; the platform sees it in full', async ({
  page,
  request,
}) => {
  // The clinical monitor tries to edit the demo study through the API: denied, and recorded.
  const login = await request.post('/api/auth/login', { data: { email: MONITOR_EMAIL, password: DEMO_PASSWORD } });
  expect(login.status()).toBe(200);
  const headers = { authorization: `bearer ${(await login.json()).accessToken}` };
  const studies = await (await request.get('/api/studies', { headers })).json();
  const studyId = studies.data[0].id as string;
  for (let i = 0; i < 3; i++) {
    const denied = await request.patch(`/api/studies/${studyId}`, { headers, data: { name: 'Renamed by monitor' } });
    expect(denied.status()).toBe(403);
    expect(denied.headers()['cache-control']).toBe('no-store');
  }

  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Security' }).click();
  await expect(page.getByRole('heading', { name: 'Security log', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: MONITOR_EMAIL }).filter({ hasText: 'Permission denied' });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Needed study:manage:assigned');
  await expect(row.getByRole('cell').nth(2)).toHaveText('3');
  await expect(row).toContainText('127.0.0.1');

  await page.getByLabel('Event').selectOption('rate_limited');
  await expect(page).toHaveURL(/kind=rate_limited/);
  await expect(page.getByText('No events of this kind')).toBeVisible();
  await page.getByLabel('Event').selectOption('');
  await expect(row).toBeVisible();
  for (const width of [1440, 1024, 390]) await at(page, width, '60-security-log');
  await page.setViewportSize({ width: 1440, height: 900 });
  await signOut(page);

  await signIn(page, PLATFORM_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Security' }).click();
  const full = page.getByRole('row').filter({ hasText: MONITOR_EMAIL }).filter({ hasText: 'Permission denied' });
  await expect(full).toContainText('Demo Pharma');
  for (const width of [1440, 1024, 390]) await at(page, width, '61-platform-security-log');
});
