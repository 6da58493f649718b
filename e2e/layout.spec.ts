import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sharedData } from '@cdp/formats/testing';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { layoutProblems } from './support/layout-check.ts';
import { pilotSdtmStudy } from './support/pilot-sdtm.ts';
import { shot, signIn } from './support/session.ts';

/*
 * Keeps the dashboards and the dataset viewer looking finished at a desktop, a tablet and a phone
 * width: no table cut without a visible way to scroll, no chart labels over each other or out of
 * their chart, no error in the console. Screenshots of every page at every width land in
 * test-results/layout-*.png for a person to look at.
 */

const WIDTHS = [1440, 1024, 390];
const PAGES = ['overview', 'safety', 'subjects'];

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** Headline numbers of cards side by side stand on one line, with or without a comparison under them. */
async function metricsOffLevel(page: Page): Promise<string[]> {
  const boxes = await page.locator('[data-metric-value]').evaluateAll((els) =>
    els.map((el) => {
      const card = el.closest('[data-widget-id]');
      return {
        id: card?.getAttribute('data-widget-id') ?? '?',
        top: Math.round(card?.getBoundingClientRect().top ?? 0),
        bottom: Math.round(el.getBoundingClientRect().bottom),
      };
    }),
  );
  return boxes.flatMap((a) =>
    boxes
      .filter((b) => b.id > a.id && b.top === a.top && Math.abs(b.bottom - a.bottom) > 1)
      .map((b) => `overview @1440: the numbers of ${a.id} and ${b.id} stand ${Math.abs(b.bottom - a.bottom)}px apart`),
  );
}

async function settled(page: Page): Promise<void> {
  await expect(page.locator('[data-widget-id]').first()).toBeVisible();
  await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-widget-id][data-state="error"]')).toHaveCount(0);
  // Chart animations (350 ms) end before labels are read.
  await page.waitForTimeout(600);
}

test('dashboard pages and the dataset viewer fit at 1440, 1024 and 390 px', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  const studyUrl = new URL(page.url());
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page
    .getByRole('link', { name: /Clinical Study Overview/ })
    .first()
    .click();
  await expect(page.getByRole('heading', { name: 'Clinical Study Overview' })).toBeVisible();
  const dashboardUrl = new URL(page.url());

  const problems: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const name of PAGES) {
      dashboardUrl.searchParams.set('page', name);
      await page.goto(dashboardUrl.toString());
      await settled(page);
      await shot(page, `layout-${name}-${width}`, { always: true });
      problems.push(...(await layoutProblems(page)).map((p) => `${name} @${width}: ${p}`));
      if (name === 'overview' && width === 1440) problems.push(...(await metricsOffLevel(page)));
    }

    await page.goto(`${studyUrl.pathname}/data`);
    await page.getByRole('link', { name: 'AE', exact: true }).first().click();
    await expect(page.getByRole('table').first()).toBeVisible();
    await expect(page.locator('tr[aria-busy="true"]')).toHaveCount(0, { timeout: 30_000 });
    await shot(page, `layout-dataset-${width}`, { always: true });
    problems.push(...(await layoutProblems(page)).map((p) => `dataset viewer @${width}: ${p}`));
  }
  // Resizing a drawn dashboard (window, sidebar, breakpoint) redraws every chart without an error;
  // ECharts' map used to throw "Cannot read properties of null (reading '0')" on a box without area.
  dashboardUrl.searchParams.set('page', 'overview');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(dashboardUrl.toString());
  await settled(page);
  for (const width of [1024, 390, 1440, 700]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(500);
  }
  await settled(page);

  expect(problems, 'layout problems').toEqual([]);
  expect(errors, 'console errors').toEqual([]);
});

/** Every page of the three built-in templates, made into dashboards of the pilot SDTM study. */
const PILOT_PAGES: [template: string, page: string][] = [
  ['clinical-study-overview', 'overview'],
  ['clinical-study-overview', 'enrollment'],
  ['clinical-study-overview', 'safety'],
  ['clinical-study-overview', 'subjects'],
  ['site-monitoring', 'risk'],
  ['site-monitoring', 'sites'],
  ['site-monitoring', 'subjects'],
  ['safety-review', 'adverse-events'],
  ['safety-review', 'liver'],
  ['safety-review', 'labs'],
];

/**
 * What pandas (a reader we did not write) finds in the pilot's DS and AE: the subjects of each
 * disposition (the Subject Flow's last column, screen failures and completers among them), all
 * screened, the subjects with an AE term outside the 15 most frequent (the "Other" of Most
 * Frequent Preferred Terms) and how many terms that is, and the disposition records per DSDECOD
 * (End of Study Status' slices).
 */
function pilotReference(): {
  screened: number;
  dispositions: Record<string, number>;
  otherTermSubjects: number;
  termsBeyond: number;
  dispositionRecords: [string, number][];
} {
  const sdtm = sharedData('cdiscpilot01', 'sdtm-original');
  const script = `
import json, pandas as pd
ds = pd.read_sas(${JSON.stringify(path.join(sdtm, 'ds.xpt'))}, format='xport', encoding='latin-1')
ae = pd.read_sas(${JSON.stringify(path.join(sdtm, 'ae.xpt'))}, format='xport', encoding='latin-1')
d = ds[ds.DSCAT == 'DISPOSITION EVENT']
terms = ae.groupby('AEDECOD').USUBJID.nunique().sort_values(ascending=False)
top = set(terms.index[:15])
print(json.dumps({
  'screened': int(d.USUBJID.nunique()),
  'dispositions': {k: int(v) for k, v in d.groupby('DSDECOD').USUBJID.nunique().items()},
  'otherTermSubjects': int(ae[~ae.AEDECOD.isin(top)].USUBJID.nunique()),
  'termsBeyond': int(ae.AEDECOD.nunique(dropna=False)) - 15,
  'dispositionRecords': sorted(([k, int(v)] for k, v in d.groupby('DSDECOD').size().items()), key=lambda kv: (-kv[1], kv[0])),
}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }));
}

/** The lines of a widget's chart key (`[data-chart-key]`, what its labels could not name) as "name: value". */
async function keyItems(page: Page, widget: string): Promise<string[]> {
  return page.locator(`[data-widget-id="${widget}"] [data-chart-key] li`).evaluateAll((items) =>
    items.map((li) => {
      const [, name, value] = [...li.children].map((el) => el.textContent ?? '');
      return `${name}: ${value}`;
    }),
  );
}

/**
 * Room between the dashboard's page tabs and its filter chips, and between the chips and the first
 * widget (an empty band of 45 px sat under the tabs); and a widget scrolled into view (as a link,
 * a search or the keyboard does) shows its header below the sticky filter bar, not under it.
 */
async function barProblems(page: Page): Promise<string[]> {
  const gaps = await page.evaluate(() => {
    const top = (el: Element | null) => el?.getBoundingClientRect().top ?? Number.NaN;
    const bottom = (el: Element | null) => el?.getBoundingClientRect().bottom ?? Number.NaN;
    const tabs = document.querySelector('nav[aria-label="Dashboard pages"]');
    const chips = document.querySelector('[data-filter-bar] button');
    const widget = document.querySelector('[data-widget-id]');
    return { underTabs: top(chips) - bottom(tabs), overWidgets: top(widget) - bottom(chips) };
  });
  const problems: string[] = [];
  // NaN where a dashboard has one page or no filters: nothing to measure there.
  if (gaps.underTabs > 16) problems.push(`${Math.round(gaps.underTabs)}px between the page tabs and the filters`);
  if (gaps.overWidgets > 20) problems.push(`${Math.round(gaps.overWidgets)}px between the filters and the widgets`);
  const last = page.locator('[data-widget-id]').last();
  await last.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const covered = await last.evaluate((el) => {
    const bar = document.querySelector('[data-filter-bar]')?.getBoundingClientRect().bottom ?? 0;
    return bar - (el.querySelector('header')?.getBoundingClientRect().top ?? 0);
  });
  // A page too short to scroll that far leaves the widget lower still, which is fine.
  if (covered > 0) problems.push(`the filter bar covers ${Math.round(covered)}px of a widget scrolled into view`);
  await page.evaluate(() => window.scrollTo(0, 0));
  return problems;
}

/**
 * The texts of a widget's chart labels as ECharts drew them (hidden ones left out; a label cut to
 * a width ends in "…", so it is not the whole name).
 */
async function chartLabels(page: Page, widget: string): Promise<string[]> {
  return page
    .locator(`[data-widget-id="${widget}"] [role="img"]`)
    .first()
    .evaluate((el) => {
      const read = (el as unknown as { cdpLabelRects?: () => { drawn: string }[] }).cdpLabelRects;
      return read ? read().map((r) => r.drawn) : [];
    });
}

test('the pilot SDTM dashboards fit at 1440, 1024 and 390 px, with every Subject Flow stage and slice named', async ({
  page,
  request,
}) => {
  test.setTimeout(420_000);
  const expected = pilotReference();
  const pilot = await pilotSdtmStudy(request);
  const errors = watchErrors(page);
  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);

  // Subject Flow: a label per stage and per reason, none hidden, the counts pandas finds.
  const stage: Record<string, string> = { COMPLETED: 'Completed', 'SCREEN FAILURE': 'Screen failure' };
  const flowLabels = [
    `Screened: ${expected.screened}`,
    ...Object.entries(expected.dispositions).map(([decod, n]) => `${stage[decod] ?? decod}: ${n}`),
  ];
  const problems: string[] = [];
  for (const [template, name] of PILOT_PAGES) {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${pilot.dashboards[template]}?page=${name}`);
    await expect(page.locator('[data-widget-id]').first()).toBeVisible({ timeout: 30_000 });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Widgets the pilot cannot draw (it has no LB) say why; none may still be loading.
      await expect(page.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
      await page.waitForTimeout(600);
      await shot(page, `layout-pilot-${template}-${name}-${width}`);
      const where = `pilot ${template}/${name} @${width}`;
      problems.push(...(await layoutProblems(page)).map((p) => `${where}: ${p}`));
      problems.push(...(await barProblems(page)).map((p) => `${where}: ${p}`));
      if (template === 'clinical-study-overview' && name === 'overview') {
        // Each stage and reason named whole, on the chart or in the key under it.
        const named = [...(await chartLabels(page, 'subject-flow')), ...(await keyItems(page, 'subject-flow'))];
        for (const label of flowLabels) if (!named.includes(label)) problems.push(`${where}: no label "${label}"`);
        // Every slice of End of Study Status with its records, its thinnest too: the eight largest
        // dispositions, then Other with the number of those it merges and their records.
        const slices = await keyItems(page, 'disposition');
        const top = expected.dispositionRecords.slice(0, 8);
        const rest = expected.dispositionRecords.slice(8);
        const other = `Other (${rest.length} categories): ${rest.reduce((sum, [, n]) => sum + n, 0)}`;
        const wanted = [...top.map(([decod, n]) => `${decod}: ${n}`), other];
        if (slices.join(' | ') !== wanted.join(' | '))
          problems.push(`${where}: End of Study Status lists ${slices.join(' | ')}, not ${wanted.join(' | ')}`);
      }
      if (template === 'clinical-study-overview' && name === 'safety') {
        // "Other" is said under the chart, not drawn as a bar, with the number of terms it holds.
        const terms = page.locator('[data-widget-id="top-terms"]');
        await expect(terms.locator('footer')).toContainText(
          `Other (${expected.termsBeyond} categories after the top 15), not drawn: ${expected.otherTermSubjects} subjects`,
        );
        if ((await chartLabels(page, 'top-terms')).includes('Other')) problems.push(`${where}: "Other" drawn as a bar`);
      }
    }
  }
  expect(problems, 'layout problems').toEqual([]);
  expect(errors, 'console errors').toEqual([]);
});
