import { DASHBOARD_SCHEMA_VERSION } from '@cdp/contracts';
import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { pilotSdtmStudy } from './support/pilot-sdtm.ts';
import { shot, signIn } from './support/session.ts';

/*
 * The builder on a phone (390 px): no room beside the canvas for the widget library, so a button
 * opens it over the page. A widget is added, set up in its properties (which cover the page) and
 * saved, and the dashboard shows it drawn, on a blank dashboard of the pilot SDTM study.
 */

test('on a phone, a widget is added from the library sheet, set up and saved', async ({ page, request }) => {
  test.setTimeout(180_000);
  const pilot = await pilotSdtmStudy(request);
  const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const made = await request.post(`/api${pilot.path}/dashboards`, {
    headers,
    data: {
      name: `Phone ${Date.now().toString(36)}`,
      document: {
        schemaVersion: DASHBOARD_SCHEMA_VERSION,
        filters: [],
        pages: [{ id: 'overview', title: 'Overview', layout: [], widgets: {} }],
      },
    },
  });
  expect(made.status(), await made.text()).toBe(201);
  const dashboard = `${pilot.path}/dashboards/${(await made.json()).data.id}`;

  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.goto(`${dashboard}/edit`);
  // The library beside the canvas is not there on a phone; its button is.
  await expect(page.getByRole('complementary', { name: 'Widget library' })).toBeHidden();
  await page.getByRole('button', { name: 'Add widget' }).click();
  const sheet = page.getByRole('dialog', { name: 'Add a widget' });
  await expect(sheet).toBeVisible();
  await sheet.getByRole('searchbox', { name: 'Search widgets' }).fill('bar');
  await shot(page, 'builder-phone-library');
  await sheet.getByRole('button', { name: 'Add Bar chart' }).click();
  await expect(sheet).toBeHidden();

  const properties = page.getByTestId('properties');
  await expect(properties).toBeVisible();
  const box = await properties.boundingBox();
  expect(box?.width, 'the properties take the phone’s width').toBeGreaterThanOrEqual(389);
  await properties.getByLabel('Dataset').selectOption('AE');
  await properties.getByRole('button', { name: 'Suggest mapping' }).click();
  await expect(properties).toContainText(/(\d+) of \1 required fields? mapped/);
  await properties.getByRole('textbox', { name: 'Title', exact: true }).fill('AEs on a phone');
  await shot(page, 'builder-phone-properties');
  await properties.getByRole('button', { name: 'Close properties' }).click();

  const added = page.locator('[data-widget-id]', { hasText: 'AEs on a phone' });
  await expect(added).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Saved as version \d+/)).toBeVisible();

  await page.goto(dashboard);
  const shown = page.locator('[data-widget-id]', { hasText: 'AEs on a phone' });
  await expect(shown).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await shot(page, 'builder-phone-saved');
});
