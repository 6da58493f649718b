import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A monitor drills from the AE chart of the demo dashboard to the subjects behind a body system,
 * opens one subject's profile, reads its adverse events, timeline and labs, and steps to the next
 * subject of the same list. The profile is shot at the three widths it is laid out for.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';

test('a monitor drills from the AE chart to a subject’s profile and steps to the next subject', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page);

  const aeChart = page.locator('[data-widget-id="ae-by-soc"]');
  await expect(aeChart).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await aeChart.getByRole('button', { name: /: actions$/ }).click();
  await page.getByRole('menuitem', { name: 'Show as table' }).click();
  await aeChart.locator('[data-drill]').first().click();
  const sheet = page.getByRole('dialog');
  const subjects = sheet.getByRole('table', { name: 'Subjects' });
  await expect(subjects.getByRole('row').nth(2)).toBeVisible();
  const first = (await subjects.locator('[data-subject-link]').first().getAttribute('data-subject-link')) ?? '';
  const second = (await subjects.locator('[data-subject-link]').nth(1).getAttribute('data-subject-link')) ?? '';
  expect(first).not.toBe('');
  await subjects.locator('[data-subject-link]').first().click();

  // The profile: its header, its adverse events (this subject has at least one in the clicked body system).
  await expect(page).toHaveURL(new RegExp(`/subjects/${first}\\?list=`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(first);
  const aes = page.getByRole('table', { name: 'Adverse events' });
  await expect(aes.getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Timeline' }).locator('canvas').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Laboratory results' })).toContainText(/from LB/);
  await expect(page.getByTestId('subject-list-position')).toContainText(/^1 of \d+/);

  for (const [width, height] of [
    [1440, 900],
    [1024, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(400);
    await shot(page, `patient-profile-${width}`);
    expect(await layoutProblems(page), `layout at ${width}px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Next: the second subject of the same list, with the list still known.
  await page.getByRole('link', { name: `Next subject: ${second}` }).click();
  await expect(page).toHaveURL(new RegExp(`/subjects/${second}\\?list=`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(second);
  await expect(page.getByTestId('subject-list-position')).toContainText(/^2 of \d+/);
  await expect(page.getByRole('table', { name: 'Adverse events' }).getByRole('row').nth(1)).toBeVisible();
  await page.getByRole('link', { name: `Previous subject: ${first}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(first);
});
