import { expect, type Page, test } from '@playwright/test';
import { authenticator } from 'otplib';
import { DEMO_PASSWORD } from './support/constants.ts';
import { shot, signIn, signOut, submitSignIn } from './support/session.ts';

/*
 * Part 11 in a browser: a data scientist turns on two-factor sign-in (the code computed here from
 * the secret the page shows, as an authenticator app would), signs out, signs in with a code, and
 * signs a dashboard version; the version shows the signature and "valid".
 */

const SCIENTIST = 'scientist@demo.cdp.local';

/** A code `offset` 30-second steps from now; each step is accepted once, so the test moves forward. */
function code(secret: string, offset: number): string {
  return authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);
}

/** Leaves at least 10 s of the current step, so a code does not go stale between typing and checking. */
async function awayFromStepEdge(page: Page): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < 10) await page.waitForTimeout(left * 1000 + 300);
}

test('enrol TOTP, sign in with a code, sign a dashboard version and see it verified', async ({ page }) => {
  await signIn(page, SCIENTIST, DEMO_PASSWORD);
  await page.goto('/settings');
  const card = page.locator('#security');
  await card.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(card.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = (await card.getByTestId('totp-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await shot(page, 'signatures-enrol');
  await awayFromStepEdge(page);
  await card.getByLabel('Code from the app').fill(code(secret, -1));
  await card.getByRole('button', { name: 'Confirm' }).click();
  await expect(card.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await expect(card.getByText('On', { exact: true })).toBeVisible();
  await shot(page, 'signatures-recovery-codes');

  await signOut(page);
  await submitSignIn(page, SCIENTIST, DEMO_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  await shot(page, 'signatures-login-code');
  await page.getByLabel('Authenticator code').fill(code(secret, 0));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).not.toHaveURL(/\/login(?:[?#]|$)/, { timeout: 15_000 });

  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page
    .getByRole('link', { name: /Clinical Study Overview/ })
    .first()
    .click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Version history' }).click();
  const versions = page.getByRole('list', { name: 'Saved versions' });
  await versions
    .getByRole('button', { name: /^Sign version/ })
    .first()
    .click();

  const dialog = page.getByRole('dialog', { name: 'Sign electronically' });
  await expect(dialog.getByLabel('Meaning')).toHaveValue('Approval');
  await dialog.getByLabel('E-mail').fill(SCIENTIST);
  await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
  await dialog.getByLabel('Authenticator code').fill(code(secret, 1));
  await dialog.getByLabel('Reason').fill('Approved for use in the monthly safety review');
  await shot(page, 'signatures-dialog');
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden();

  const signatures = versions.getByRole('list', { name: 'Signatures' }).first();
  await expect(signatures).toContainText('Approval');
  await expect(signatures).toContainText('Sam Scientist');
  await expect(signatures.getByText('valid', { exact: true })).toBeVisible();
  await shot(page, 'signatures-badge');
});
