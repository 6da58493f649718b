import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { shot, signIn } from './support/session.ts';

const DEMO_STUDY = 'CDP-301';
const MANAGER_EMAIL = 'manager@demo.cdp.local';

async function shotAt(page: Page, width: number, name: string) {
  await page.setViewportSize({ width, height: 900 });
  // Let the layout settle at the new width before the capture.
  await page.waitForTimeout(200);
  await shot(page, `${name}-${width}`);
}

test('the home page summarizes each study; a failed upload shows as an open problem; the study keeps an enrollment plan', async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const broken = `broken-${suffix}.xpt`;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await test.step('the manager sees the demo study with its active data and subjects', async () => {
    await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
    const card = page.getByRole('article', { name: DEMO_STUDY });
    await expect(card).toBeVisible();
    await expect(card.getByText('Active data')).toBeVisible();
    await expect(card.getByText(/^\d[\d,]* $|^\d[\d,]*$/).first()).toBeVisible();
    await expect(card.getByText('in DM')).toBeVisible();
  });

  await test.step('a broken upload on the Data tab becomes an open problem on the home page', async () => {
    await page.getByRole('article', { name: DEMO_STUDY }).getByRole('link', { name: DEMO_STUDY }).click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
    const choosing = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose file' }).click();
    await (await choosing).setFiles({
      name: broken,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not SAS'),
    });
    await expect(
      page
        .getByRole('listitem', { name: `Upload of ${broken}` })
        .getByText(/could not|cannot|not a|is not/i)
        .first(),
    ).toBeVisible();
    await page.goto('/');
    const card = page.getByRole('article', { name: DEMO_STUDY });
    await expect(card.getByText(/\d+ failed uploads?/)).toBeVisible();
    await expect(card.getByText(broken).first()).toBeVisible();
    for (const width of [1440, 1024, 390]) await shotAt(page, width, '60-home');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step('the manager sets the enrollment plan in the study details', async () => {
    await page.getByRole('article', { name: DEMO_STUDY }).getByRole('link', { name: DEMO_STUDY }).click();
    await page.getByRole('button', { name: 'Edit details' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Planned subjects').fill('320');
    await dialog.getByLabel('Enrollment start').fill('2024-01-01');
    await dialog.getByLabel('Enrollment end').fill('2023-06-30');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByText('The planned enrollment end must come after its start.')).toBeVisible();
    await dialog.getByLabel('Enrollment end').fill('2025-06-30');
    for (const width of [1440, 1024, 390]) await shotAt(page, width, '61-study-plan-form');
    await page.setViewportSize({ width: 1440, height: 900 });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('320 subjects, 2024-01-01 → 2025-06-30')).toBeVisible();
  });

  expect(errors).toEqual([]);
});
