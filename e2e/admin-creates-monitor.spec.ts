import { expect, type Request, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn, signOut } from './support/session.ts';

// Unique per run, so the scenario never depends on what an earlier run left behind.
const suffix = Date.now().toString(36).toUpperCase();
const STUDY_CODE = `E2E-${suffix}`;
const STUDY_NAME = `End-to-end monitoring study ${suffix}`;
const MONITOR_NAME = 'Robin Reviewer';
const MONITOR_EMAIL = `robin.${suffix.toLowerCase()}@e2e.example`;
const EMAIL_NAME = MONITOR_EMAIL.split('@')[0] ?? '';
const TEMPORARY_PASSWORD = 'Temporary-Quartz-7319';
const NEW_PASSWORD = 'Harbor-Lantern-Meadow-42';

test('an organization admin creates a study and a study-limited monitor, who then sees only that study', async ({
  page,
}) => {
  await test.step('the admin signs in', async () => {
    await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Alex');
    await expect(mainNav(page).getByRole('link', { name: 'Users' })).toBeVisible();
    await shot(page, '01-admin-overview');
  });

  await test.step('the admin creates a study', async () => {
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await expect(page.getByRole('heading', { name: 'Studies', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'New study' }).click();
    const dialog = page.getByRole('dialog', { name: 'New study' });
    await dialog.getByLabel('Study code').fill(STUDY_CODE);
    await dialog.getByLabel('Study name').fill(STUDY_NAME);
    await dialog.getByLabel('Protocol number').fill(`${STUDY_CODE}-P1`);
    await dialog.getByLabel('Phase').selectOption('II');
    await dialog.getByLabel('Therapeutic area').fill('Oncology');
    await shot(page, '02-new-study-dialog');
    await dialog.getByRole('button', { name: 'Create study' }).click();
    await expect(dialog).toBeHidden();
    await expect(page).toHaveURL(/\/studies\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(STUDY_CODE);
    await expect(page.getByText('Draft', { exact: true }).first()).toBeVisible();
    await shot(page, '03-study-created');
  });

  await test.step('the admin creates a clinical monitor limited to that study', async () => {
    await mainNav(page).getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('Full name').fill(MONITOR_NAME);
    await dialog.getByLabel('E-mail').fill(MONITOR_EMAIL);
    await dialog.getByLabel('Temporary password').fill(TEMPORARY_PASSWORD);
    await dialog.getByLabel('Role').selectOption({ label: 'Clinical monitor' });
    await dialog.getByLabel('Scope').selectOption({ label: `Study ${STUDY_CODE}` });
    await shot(page, '04-new-user-dialog');
    await dialog.getByRole('button', { name: 'Create user' }).click();

    const done = page.getByRole('dialog', { name: 'User created' });
    await expect(done.getByText(TEMPORARY_PASSWORD)).toBeVisible();
    await shot(page, '05-user-created');
    await done.getByRole('button', { name: 'Done' }).click();

    const row = page.getByRole('row').filter({ hasText: MONITOR_EMAIL });
    await expect(row).toContainText(`Clinical monitor · ${STUDY_CODE}`);
    await expect(row).toContainText('Temporary password');
    await shot(page, '06-users-list');
  });

  await test.step('the admin signs out', async () => {
    await signOut(page);
  });

  await test.step('the monitor signs in with the temporary password and must replace it', async () => {
    await signIn(page, MONITOR_EMAIL, TEMPORARY_PASSWORD);
    await expect(page).toHaveURL(/\/change-password$/);
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await shot(page, '07-forced-password-change');

    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password', { exact: true });
    const confirm = page.getByLabel('Confirm new password');
    const submit = page.getByRole('button', { name: 'Set password and continue' });

    await current.fill(TEMPORARY_PASSWORD);
    await next.fill('Short-1');
    await confirm.fill('Short-1');
    await submit.click();
    await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
    await expect(next).toHaveAttribute('aria-invalid', 'true');

    const withEmailName = `${EMAIL_NAME}-Secure-2026`;
    await next.fill(withEmailName);
    await confirm.fill(withEmailName);
    await submit.click();
    await expect(page.getByText('Do not include your e-mail name in the password.')).toBeVisible();
    await shot(page, '08-password-policy-error');

    await next.fill(NEW_PASSWORD);
    await confirm.fill(NEW_PASSWORD);
    await submit.click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Robin');
  });

  await test.step('the monitor sees the new study and not the demo study', async () => {
    const nav = mainNav(page);
    await expect(nav.getByRole('link', { name: 'Studies' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Activity' })).toHaveCount(0);
    await shot(page, '09-monitor-overview');

    await nav.getByRole('link', { name: 'Studies' }).click();
    await expect(page.getByRole('link', { name: STUDY_CODE })).toBeVisible();
    await expect(page.getByText('CDP-301')).toHaveCount(0);
    await shot(page, '10-monitor-studies');

    await page.getByRole('link', { name: STUDY_CODE }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(STUDY_CODE);
    await expect(page.getByText(STUDY_NAME).first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Edit details' })).toHaveCount(0);
    await shot(page, '11-monitor-study');
  });

  await test.step('the monitor cannot reach the admin pages', async () => {
    const adminCalls: string[] = [];
    const record = (request: Request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/users') || pathname.startsWith('/api/audit')) adminCalls.push(pathname);
    };
    page.on('request', record);

    await page.goto('/users');
    await expect(page.getByRole('heading', { name: /don.t have access/ })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await expect(page.getByText(ADMIN_EMAIL)).toHaveCount(0);
    await shot(page, '12-monitor-users-no-access');

    await page.goto('/activity');
    await expect(page.getByRole('heading', { name: /don.t have access/ })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await shot(page, '13-monitor-activity-no-access');

    page.off('request', record);
    expect(adminCalls, 'no user or audit data is requested for a page the user may not open').toEqual([]);
  });
});
