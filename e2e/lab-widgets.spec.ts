import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * The lab review widgets on the demo study (CDP-301, SDTM LB with planted Hy's-law cases): a
 * dashboard holding eDISH, the Hy's-law table, a shift table, a trend and the outliers listing fits
 * at 1440, 1024 and 390 px (screenshots in test-results/labs-*.png), and subject ids link to the
 * subject's profile, remembering the list for previous/next.
 */

const MAPPING = {
  subject_id: 'USUBJID',
  arm: 'DM.ACTARM',
  lab_test_code: 'LBTESTCD',
  lab_test: 'LBTEST',
  lab_value: 'LBSTRESN',
  lab_uln: 'LBSTNRHI',
  lab_lln: 'LBSTNRLO',
  lab_indicator: 'LBNRIND',
  lab_unit: 'LBSTRESU',
  baseline_flag: 'LBBLFL',
  lab_date: 'LBDTC',
  visit: 'VISIT',
  visit_order: 'VISITNUM',
  treatment_start: 'DM.RFXSTDTC',
};

const WIDGETS = [
  { i: 'edish', type: 'edish', title: "eDISH (Hy's law)", options: {}, at: { x: 0, y: 0, w: 6, h: 11 } },
  { i: 'hys-law', type: 'hys-law-cases', title: "Hy's law cases", options: {}, at: { x: 6, y: 0, w: 6, h: 11 } },
  { i: 'trend', type: 'lab-trend', title: 'ALT over time', options: { test: 'ALT' }, at: { x: 0, y: 11, w: 6, h: 10 } },
  {
    i: 'shift',
    type: 'lab-shift',
    title: 'Liver tests: shift from baseline',
    options: { tests: ['ALT', 'BILI'] },
    at: { x: 6, y: 11, w: 6, h: 10 },
  },
  {
    i: 'outliers',
    type: 'lab-outliers',
    title: 'Values above 3 × ULN',
    options: { rule: 'above-uln-multiple', times: 3 },
    at: { x: 0, y: 21, w: 12, h: 10 },
  },
];

async function settled(page: Page): Promise<void> {
  await expect(page.locator('[data-widget-id]').first()).toBeVisible();
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator('[data-widget-id][data-state="error"]')).toHaveCount(0);
  await page.waitForTimeout(600);
}

test('lab widgets: fit at three widths, and subject ids open the profile', async ({ page, request }) => {
  test.setTimeout(240_000);
  const login = await request.post('/api/auth/login', {
    data: { email: 'manager@demo.cdp.local', password: DEMO_PASSWORD },
  });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const studies = (await (await request.get('/api/studies', { headers })).json()).data as {
    id: string;
    code: string;
  }[];
  const study = studies.find((s) => s.code === 'CDP-301');
  expect(study).toBeDefined();
  const document = {
    schemaVersion: 2,
    filters: [],
    pages: [
      {
        id: 'labs',
        title: 'Labs',
        layout: WIDGETS.map((w) => ({ i: w.i, ...w.at })),
        widgets: Object.fromEntries(
          WIDGETS.map((w) => [
            w.i,
            {
              type: w.type,
              title: w.title,
              optionsVersion: 1,
              options: w.options,
              data: { dataset: 'LB', population: 'DM', mapping: MAPPING },
            },
          ]),
        ),
      },
    ],
  };
  const created = await request.post(`/api/studies/${study?.id}/dashboards`, {
    headers,
    data: { name: `Lab review ${Date.now()}`, document },
  });
  expect(created.status(), await created.text()).toBe(201);
  const dashboardId = (await created.json()).data.id as string;

  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  const problems: string[] = [];
  for (const width of [1440, 1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`/studies/${study?.id}/dashboards/${dashboardId}`);
    await settled(page);
    await shot(page, `labs-${width}`);
    problems.push(...(await layoutProblems(page)).map((p) => `@${width}: ${p}`));
  }
  expect(problems).toEqual([]);

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/studies/${study?.id}/dashboards/${dashboardId}`);
  await settled(page);
  const cases = page.locator('[data-widget-type="hys-law-cases"] a[data-subject-link]');
  expect(await cases.count()).toBeGreaterThan(0);
  const subject = (await cases.first().getAttribute('data-subject-link')) as string;
  await expect(cases.first()).toHaveAttribute('href', `/studies/${study?.id}/subjects/${encodeURIComponent(subject)}`);
  await cases.first().click();
  // In the app the link also names the remembered list (previous/next on the profile).
  await expect(page).toHaveURL(new RegExp(`/studies/${study?.id}/subjects/${encodeURIComponent(subject)}\\?list=`));
});
