import { expect, type Page } from '@playwright/test';

/** Signs in through the login form (the session then lives in memory and the refresh cookie). */
/** Fills and submits the sign-in form, without waiting for the outcome (a wrong password stays). */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Signs in and waits until the app has left the sign-in page, so that a `page.goto` right after
 * cannot abort the sign-in request (a race that failed CI once).
 */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page).not.toHaveURL(/\/login(?:[?#]|$)/, { timeout: 15_000 });
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

export function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/**
 * Screenshots are for a person looking at a page (test-results/<name>.png); no test reads them. CI
 * (`CI` set) takes none unless `CDP_E2E_SHOTS=1`: each full-page capture costs a layout and an
 * encode of the whole page, about a minute over the suite on two cores. The layout check's shots
 * (`always`: the Overview, Safety and Subjects pages and the dataset viewer at each width, which
 * issue 10 asks every e2e run to save for a reviewer) are taken under CI too.
 */
const SHOTS = !process.env.CI || process.env.CDP_E2E_SHOTS === '1';

export async function shot(
  page: Page,
  name: string,
  options: { fullPage?: boolean; always?: boolean } = {},
): Promise<void> {
  if (!SHOTS && !options.always) return;
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: options.fullPage ?? true });
}
