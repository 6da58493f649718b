import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { ADAE_EXPLORER_DATA, pilotAdamDashboard } from './support/pilot-adam.ts';
import { shot, signIn } from './support/session.ts';

/*
 * The AE explorer and Kaplan–Meier widgets on the CDISC pilot ADaM (ADSL, ADAE, ADTTE) in a
 * dashboard: they draw, the explorer sorts by a column header on the server and drills to the
 * subjects of a row, the survival chart shows its risk table; screenshots at 1440, 1024 and 390 px.
 */

const document = {
  schemaVersion: 2,
  filters: [],
  pages: [
    {
      id: 'safety',
      title: 'Safety review',
      layout: [
        { i: 'km', x: 0, y: 0, w: 6, h: 12 },
        { i: 'dots', x: 6, y: 0, w: 6, h: 12 },
        { i: 'explorer', x: 0, y: 12, w: 12, h: 14 },
      ],
      widgets: {
        km: {
          type: 'kaplan-meier',
          title: 'Time to first dermatological event',
          optionsVersion: 1,
          options: { parameter: 'TTDE' },
          data: {
            dataset: 'ADTTE',
            mapping: {
              subject_id: 'USUBJID',
              tte_time: 'AVAL',
              tte_censor: 'CNSR',
              arm: 'TRTA',
              tte_parameter: 'PARAMCD',
              population_flag: 'SAFFL',
            },
          },
        },
        dots: {
          type: 'ae-explorer',
          title: 'Most frequent AEs: incidence and risk difference',
          optionsVersion: 1,
          options: {
            display: 'dot-plot',
            maxTerms: 12,
            referenceArm: 'Placebo',
            comparisonArm: 'Xanomeline High Dose',
          },
          data: ADAE_EXPLORER_DATA,
        },
        explorer: {
          type: 'ae-explorer',
          title: 'AE explorer',
          optionsVersion: 1,
          options: { minPercent: 5, referenceArm: 'Placebo', comparisonArm: 'Xanomeline High Dose' },
          data: ADAE_EXPLORER_DATA,
        },
      },
    },
  ],
};

async function ready(page: Page) {
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 60_000 });
}

test('AE explorer and Kaplan–Meier on the pilot ADaM: draw, sort, drill', async ({ page, request }) => {
  let url = '';
  await test.step('the pilot ADaM study and a dashboard holding the two widgets (API)', async () => {
    url = await pilotAdamDashboard(request, 'Safety review (pilot)', document);
  });

  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.goto(url);
  await ready(page);
  const km = page.locator('[data-widget-id="km"]');
  const explorer = page.locator('[data-widget-id="explorer"]');
  await expect(km).toHaveAttribute('data-state', 'ready');
  await expect(km.locator('canvas')).toBeVisible();
  await expect(explorer.getByRole('columnheader', { name: /Placebo \(N=86\)/ })).toBeVisible();
  await expect(explorer.getByRole('columnheader', { name: /Risk difference/ })).toBeVisible();
  await shot(page, 'review-ae-km-1440');

  await test.step('a header click sorts the explorer on the server: by the risk difference, largest first', async () => {
    const rows = explorer.locator('tbody tr[data-row]');
    const firstTerm = async () => (await rows.nth(2).locator('td').first().textContent())?.trim();
    const before = await firstTerm();
    const estimate = explorer.getByRole('columnheader', { name: 'estimate' }).first();
    await estimate.getByRole('button').click();
    await expect(estimate).toHaveAttribute('aria-sort', 'ascending');
    await estimate.getByRole('button').click();
    await expect(estimate).toHaveAttribute('aria-sort', 'descending');
    await ready(page);
    await expect.poll(firstTerm).not.toBe(before);
    await shot(page, 'review-ae-km-sorted');
  });

  await test.step('the subjects of a row open from the explorer', async () => {
    const row = explorer.locator('tbody tr[data-row]').nth(1);
    await row.hover();
    await row.locator('[data-drill]').click();
    const sheet = page.getByRole('dialog');
    await expect(sheet).toBeVisible();
    await expect(sheet.getByText(/01-\d{3}-\d{4}/).first()).toBeVisible();
    await shot(page, 'review-ae-km-drill');
    await page.keyboard.press('Escape');
  });

  await test.step('an arm’s count drills to that arm’s subjects with the event', async () => {
    // The "Any adverse event" line's Placebo n: as many subjects as the cell says, described with the arm.
    const cell = explorer.locator('tbody tr[data-row]').first().locator('[data-drill-cell="arm1_n"]');
    const n = Number((await cell.textContent())?.trim());
    expect(n).toBeGreaterThan(0);
    await cell.click();
    const sheet = page.getByRole('dialog');
    await expect(sheet).toBeVisible();
    await expect(sheet).toContainText(`${n} subjects`);
    await expect(sheet).toContainText('Placebo');
    await shot(page, 'review-ae-km-arm-drill');
    await page.keyboard.press('Escape');
  });

  await test.step('the survival chart as a table: medians, numbers at risk, the curve', async () => {
    await km.getByRole('button', { name: /: actions$/ }).click();
    await page.getByRole('menuitem', { name: 'Show as table' }).click();
    await expect(km.getByRole('cell', { name: 'Median (95% CI)' }).first()).toBeVisible();
    await shot(page, 'review-ae-km-table');
    await km.getByRole('button', { name: /: actions$/ }).click();
    await page.getByRole('menuitem', { name: 'Show as chart' }).click();
  });

  for (const width of [1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await ready(page);
    await expect(km.locator('canvas')).toBeVisible();
    await shot(page, `review-ae-km-${width}`);
  }
});
