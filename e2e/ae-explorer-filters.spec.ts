import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { ADAE_EXPLORER_DATA, pilotAdamDashboard } from './support/pilot-adam.ts';
import { shot, signIn } from './support/session.ts';

/*
 * The AE explorer's event filters on the widget itself (not the builder), on the CDISC pilot ADaM:
 * a reader ticks "SEVERE" under Severity, the "Any adverse event" line changes to the figures
 * computed independently with pandas (below), the choice is in the URL, and a reload keeps it.
 *
 * Expected, from adam-tdf with pandas (`read_sas`): safety population (SAFFL = Y, TRTSDT present)
 * by TRT01A, treatment-emergent events (TRTEMFL = Y): subjects with any event Placebo 65 of 86;
 * with a SEVERE event Placebo 5, Xanomeline High Dose 8, Xanomeline Low Dose 16.
 */

const document = {
  schemaVersion: 2,
  filters: [],
  pages: [
    {
      id: 'safety',
      title: 'Safety review',
      layout: [{ i: 'explorer', x: 0, y: 0, w: 12, h: 14 }],
      widgets: {
        explorer: {
          type: 'ae-explorer',
          title: 'AE explorer',
          optionsVersion: 1,
          options: { minPercent: 2, referenceArm: 'Placebo', comparisonArm: 'Xanomeline High Dose' },
          data: ADAE_EXPLORER_DATA,
        },
      },
    },
  ],
};

async function ready(page: Page) {
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 60_000 });
}

test('AE explorer: a severity filter on the widget changes the counts, stays in the URL and survives a reload', async ({
  page,
  request,
}) => {
  let url = '';
  await test.step('the pilot ADaM study and a dashboard with the explorer (API)', async () => {
    url = await pilotAdamDashboard(request, 'AE filters (pilot)', document);
  });

  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.goto(url);
  await ready(page);
  const explorer = page.locator('[data-widget-id="explorer"]');
  const anyLine = explorer.locator('tbody tr[data-row]').first();
  const cell = (arm: number) => anyLine.locator(`[data-drill-cell="arm${arm}_n"]`);
  await expect(anyLine).toContainText('Any adverse event');
  await expect(cell(1)).toHaveText('65');

  await test.step('the reader ticks SEVERE under Severity on the widget', async () => {
    await explorer.getByRole('button', { name: 'Filter events' }).click();
    const panel = page.getByRole('dialog', { name: 'Filter events' });
    await expect(panel.getByText('Severity')).toBeVisible();
    await expect(panel.getByLabel('MODERATE')).toBeVisible();
    await panel.getByLabel('SEVERE').click();
    await shot(page, 'ae-explorer-filters-open-1440');
    await panel.getByRole('button', { name: 'Done' }).click();
    await ready(page);
    await expect(cell(1)).toHaveText('5');
    await expect(cell(2)).toHaveText('8');
    await expect(cell(3)).toHaveText('16');
    await expect(explorer.getByRole('button', { name: /Events: 1 filter/ })).toBeVisible();
    await expect(explorer).toContainText('Events filtered on the widget: severity SEVERE');
    expect(decodeURIComponent(page.url())).toContain('"severity":["SEVERE"]');
    await shot(page, 'ae-explorer-filters-1440');
  });

  await test.step('a reload keeps the choice', async () => {
    await page.reload();
    await ready(page);
    await expect(cell(1)).toHaveText('5');
    await expect(cell(2)).toHaveText('8');
  });

  await test.step('an arm’s count drills to that arm’s subjects with a severe event', async () => {
    await cell(2).click();
    const sheet = page.getByRole('dialog');
    await expect(sheet).toContainText('8 subjects');
    await page.keyboard.press('Escape');
  });

  for (const width of [1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await ready(page);
    await expect(cell(1)).toHaveText('5');
    await shot(page, `ae-explorer-filters-${width}`);
  }
  await explorer.getByRole('button', { name: /Events: 1 filter/ }).click();
  await shot(page, 'ae-explorer-filters-open-390');
});
