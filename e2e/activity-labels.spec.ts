import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn } from './support/session.ts';

test('the activity feed says what happened to which version, in words', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: 'CDP-301' }).first().click();
  const recent = page.getByRole('listitem').filter({ hasText: 'activated a data version' });
  // The seed loaded the generated data as the study's first version, which became active.
  await expect(recent.first()).toContainText(
    /system activated a data version · CDP-301 version of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(generated demo data\)/,
  );
  await expect(page.getByText(/data_version\.|dashboard\.created/)).toHaveCount(0);
  for (const width of [1440, 1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `37-study-activity-${width}`);
  }
});
