import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip } from '@cdp/formats/testing';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
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

const ADAM = path.resolve(import.meta.dirname, '../../shared/data/cdiscpilot01/adam-tdf');

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
          data: {
            dataset: 'ADAE',
            population: 'ADSL',
            mapping: {
              subject_id: 'USUBJID',
              arm: 'ADSL.TRT01A',
              ae_body_system: 'AEBODSYS',
              ae_term: 'AEDECOD',
              ae_treatment_emergent: 'TRTEMFL',
              ae_serious: 'AESER',
              ae_severity: 'AESEV',
              ae_related: 'AEREL',
              ae_outcome: 'AEOUT',
              population_flag: 'SAFFL',
              treatment_start: 'TRTSDT',
            },
          },
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
  const code = `AEF-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  let url = '';
  await test.step('a study with the pilot ADaM and a dashboard with the explorer (API)', async () => {
    const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
    const study = await request.post('/api/studies', {
      headers,
      data: { code, name: 'Pilot AE filters', phase: 'III' },
    });
    expect(study.status(), await study.text()).toBe(201);
    const id = (await study.json()).data.id;
    const zip = buildZip(
      await Promise.all(
        ['adsl.xpt', 'adae.xpt'].map(async (name) => ({ name, data: await readFile(path.join(ADAM, name)) })),
      ),
    );
    const upload = await request.post(`/api/studies/${id}/uploads`, {
      headers,
      multipart: { file: { name: 'adam.zip', mimeType: 'application/zip', buffer: zip } },
      timeout: 120_000,
    });
    expect(upload.status(), await upload.text()).toBe(201);
    const dashboard = await request.post(`/api/studies/${id}/dashboards`, {
      headers,
      data: { name: 'AE filters (pilot)', document },
      timeout: 60_000,
    });
    expect(dashboard.status(), await dashboard.text()).toBe(201);
    url = `/studies/${id}/dashboards/${(await dashboard.json()).data.id}`;
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
