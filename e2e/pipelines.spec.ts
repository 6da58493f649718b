import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildZip } from '@cdp/formats/testing';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn, signOut } from './support/session.ts';

/*
 * A data manager loads the real CDISC pilot SDTM (CDISCPILOT01, SAS XPT written by SAS) into a new
 * study, builds a pipeline of steps in the editor (keep the placebo arm of DM, add a calculated
 * column, save it as an output), sees a validation error on the step it belongs to, previews the
 * rows on the real data, runs it, watches it succeed and opens the output in the dataset viewer.
 * The numbers checked there are computed independently, by pandas reading the same XPT file.
 */

const SDTM = path.resolve('..', 'shared', 'data', 'cdiscpilot01', 'sdtm-original');
const DOMAINS = ['dm', 'ae', 'ds', 'ex', 'sv'];
const MANAGER_EMAIL = 'manager@demo.cdp.local';
const suffix = Date.now().toString(36).toUpperCase();
const STUDY_CODE = `PIPE-${suffix}`;
const PIPELINE = 'Placebo subjects with age in months';

/**
 * What pandas (a reader we did not write) finds in DM: placebo subjects, and the first one's age in
 * months; in DS: subjects with a disposition event (the rows of the ENROL example's output).
 */
function reference(): { placebo: number; first: { usubjid: string; months: number }; disposed: number } {
  const script = `
import json, pandas as pd
dm = pd.read_sas(${JSON.stringify(path.join(SDTM, 'dm.xpt'))}, format='xport', encoding='latin-1')
ds = pd.read_sas(${JSON.stringify(path.join(SDTM, 'ds.xpt'))}, format='xport', encoding='latin-1')
p = dm[dm.ARMCD == 'Pbo'].sort_values('USUBJID')
d = ds[ds.DSCAT == 'DISPOSITION EVENT'].drop_duplicates(['STUDYID', 'USUBJID'])
print(json.dumps({'placebo': int(len(p)), 'first': {'usubjid': p.USUBJID.iloc[0], 'months': float(p.AGE.iloc[0] * 12)}, 'disposed': int(len(d))}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }));
}

async function screenshots(page: Page, name: string) {
  for (const [width, height] of [
    [1440, 900],
    [1024, 768],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await shot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('a data manager builds a pipeline on the pilot SDTM, previews, runs it and opens the output', async ({ page }) => {
  test.setTimeout(360_000);
  const expected = reference();
  let pipelinesUrl = '';

  await test.step('an admin creates the study', async () => {
    await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('button', { name: 'New study' }).click();
    const dialog = page.getByRole('dialog', { name: 'New study' });
    await dialog.getByLabel('Study code').fill(STUDY_CODE);
    await dialog.getByLabel('Study name').fill(`CDISC pilot, pipelines ${suffix}`);
    await dialog.getByLabel('Phase').selectOption('III');
    await dialog.getByRole('button', { name: 'Create study' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(STUDY_CODE);
    await signOut(page);
  });

  await test.step('the data manager uploads the pilot SDTM', async () => {
    await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: STUDY_CODE }).first().click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
    const name = `cdiscpilot01-${suffix}.zip`;
    const buffer = buildZip(
      DOMAINS.map((d) => ({ name: `${d}.xpt`, data: readFileSync(path.join(SDTM, `${d}.xpt`)) })),
    );
    const choosing = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose file' }).click();
    await (await choosing).setFiles({ name, mimeType: 'application/zip', buffer });
    await expect(page.getByRole('listitem', { name: `Upload of ${name}` }).getByText('Saved')).toBeVisible({
      timeout: 120_000,
    });
  });

  await test.step('opens Pipelines and starts a new pipeline of steps', async () => {
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Pipelines' }).click();
    await expect(page.getByText('No pipelines yet')).toBeVisible();
    await screenshots(page, '60-pipelines-empty');
    await page.getByRole('link', { name: 'New pipeline' }).click();
    await expect(page.getByRole('heading', { name: 'New pipeline', level: 1 })).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill(PIPELINE);
    await page.getByLabel('Description').fill('DM of the placebo arm, with AGE in months, for the safety tables.');
    await page.getByRole('button', { name: 'Add input' }).click();
    await page.getByLabel('Input 1 source').selectOption('dataset:DM');
    await expect(page.getByLabel('Input 1 name')).toHaveValue('DM');
  });

  await test.step('adds a filter on ARMCD with the column picker', async () => {
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: /^Filter rows/ }).click();
    const step = page.getByRole('region', { name: 'Step 1' });
    await expect(step.getByLabel('Dataset', { exact: true })).toHaveValue('DM');
    await step.getByRole('button', { name: 'Add condition' }).click();
    // The picker offers DM's columns.
    await step.getByLabel('Condition 1 column').selectOption('ARMCD');
    await step.getByLabel('Condition 1 value').fill('Pbo');
  });

  await test.step('adds a calculated column with a mistake, and sees the error on that step', async () => {
    await page.getByRole('button', { name: 'Add step' }).first().click();
    await page.getByRole('menuitem', { name: /^Add calculated column/ }).click();
    const step = page.getByRole('region', { name: 'Step 2' });
    await step.getByLabel('Column name', { exact: true }).fill('AGEMON');
    await step.getByLabel('Expression', { exact: true }).fill('AGEX * 12');
    await expect(page.getByRole('button', { name: /^Step 2: Add calculated column, 1 problem/ })).toBeVisible();
    await expect(step.locator('[data-parameter="expression"]').getByRole('alert')).toContainText('AGEX');
    await expect(page.locator('[data-step="0"]')).not.toHaveAttribute('data-invalid', /.*/);
    await shot(page, '61-pipeline-step-error');
    await step.getByLabel('Expression', { exact: true }).fill('AGE * 12');
    await expect(page.getByRole('button', { name: /^Step 2: Add calculated column$/ })).toBeVisible();
  });

  await test.step('previews the rows after step 2 on the real data', async () => {
    await page.getByRole('region', { name: 'Step 2' }).getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('table', { name: 'Preview after step 2' });
    await expect(preview.getByRole('columnheader', { name: /AGEMON/ })).toBeVisible();
    // Only placebo rows, at most 50 of them, every one with its age in months.
    await expect(preview.getByRole('row')).toHaveCount(Math.min(50, expected.placebo) + 1);
    await expect(preview.getByRole('cell', { name: 'Xan_Hi' })).toHaveCount(0);
    await shot(page, '61-pipeline-preview');
  });

  await test.step('saves the result as an output and creates the pipeline', async () => {
    await page.getByRole('button', { name: 'Add step' }).first().click();
    await page.getByRole('menuitem', { name: /^Save as output/ }).click();
    const step = page.getByRole('region', { name: 'Step 3' });
    await step.getByLabel('Output name', { exact: true }).fill('dm_placebo');
    await expect(page.locator('[data-check="ok"]')).toBeVisible();
    await screenshots(page, '62-pipeline-editor');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(PIPELINE);
  });

  await test.step('runs it and watches it succeed', async () => {
    await page.getByRole('button', { name: `Run ${PIPELINE}` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(`Run of ${PIPELINE}`);
    await expect(page.getByRole('heading', { level: 1 }).getByText('Succeeded')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByRole('progressbar', { name: 'Run progress' })).toHaveAttribute('aria-valuenow', '100');
    await expect(page.getByRole('log', { name: 'Run log' })).not.toBeEmpty();
    const lineage = page.getByRole('region', { name: 'Lineage' });
    // The source version names what the pipeline read (DM of the five datasets), the run its time as the page writes dates.
    const source = lineage.locator('[data-lineage-node="source_version"]');
    await expect(source.getByRole('link', { name: 'DM', exact: true })).toBeVisible();
    await expect(source.getByRole('link', { name: 'AE', exact: true })).toHaveCount(0);
    await expect(source).toContainText('4 others not read');
    await expect(lineage.locator('[data-lineage-node="run"]').getByRole('link')).toHaveText(/^Run of [A-Z][a-z]{2} \d/);
    await screenshots(page, '63-pipeline-run');
  });

  await test.step('opens the output in the dataset viewer; the numbers are pandas’ numbers', async () => {
    await page.getByRole('region', { name: 'Outputs' }).getByRole('link', { name: 'dm_placebo' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('dm_placebo');
    await expect(page.getByText(`${expected.placebo} rows`, { exact: true })).toBeVisible();
    const grid = page.getByRole('table', { name: 'Rows of dm_placebo' });
    const header = grid.getByRole('columnheader', { name: /^USUBJID/ });
    await header.getByRole('button', { name: /^USUBJID(,|$)/ }).click();
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    const first = grid.getByRole('row').nth(1);
    await expect(first).toContainText(expected.first.usubjid);
    // AGEMON is the last column: the grid draws the columns in view, so scroll it to the far right.
    await grid.evaluate((el) => {
      const all = [el, ...el.querySelectorAll<HTMLElement>('*')];
      let up = el.parentElement;
      while (up) {
        all.push(up);
        up = up.parentElement;
      }
      const scroller = all.find((e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto');
      if (scroller) scroller.scrollLeft = scroller.scrollWidth;
    });
    await expect(grid.getByRole('columnheader', { name: /^AGEMON/ })).toBeVisible();
    await expect(first).toContainText(String(expected.first.months));
    await shot(page, '64-pipeline-output');
  });

  await test.step('the list shows the run; the history has the version', async () => {
    pipelinesUrl = page.url().replace(/\/data\/versions\/.*$/, '/pipelines');
    await page.goto(pipelinesUrl);
    const row = page.getByRole('row').filter({ hasText: PIPELINE });
    await expect(row.getByText('Succeeded')).toBeVisible();
    await expect(row).toContainText('Manual only');
    await screenshots(page, '65-pipelines-list');
    await row.getByRole('link', { name: PIPELINE }).click();
    await screenshots(page, '66-pipeline-detail');
    await page.getByRole('link', { name: 'Version history' }).click();
    await expect(page.getByRole('list', { name: 'Saved versions' })).toContainText('Version 1');
    await shot(page, '67-pipeline-history');
    await mainNav(page).getByRole('link', { name: 'Pipelines' }).click();
    await expect(page.getByRole('row').filter({ hasText: STUDY_CODE })).toContainText('1');
    await screenshots(page, '68-all-pipelines');
  });

  await test.step('starts from the built-in example ENROL and runs it; dm_clean then reads its output', async () => {
    await page.goto(`${pipelinesUrl}/new`);
    const examples = page.getByRole('region', { name: 'Examples' });
    // dm_clean reads ENROL, which no pipeline of the study saves yet.
    await expect(
      examples.getByRole('button', { name: 'Use the example Clean demographics (dm_clean)' }),
    ).toBeDisabled();
    await expect(examples).toContainText('create “Enrolment status (ENROL)” first');
    await screenshots(page, '69-pipeline-examples');
    await examples.getByRole('button', { name: 'Use the example Enrolment status (ENROL)' }).click();
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Enrolment status (ENROL)');
    await expect(page.getByLabel('Input 1 source')).toHaveValue('dataset:DS');
    await expect(page.getByRole('button', { name: /^Step 5: Save as output$/ })).toBeVisible();
    await expect(page.locator('[data-check="ok"]')).toBeVisible();
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByRole('button', { name: 'Run Enrolment status (ENROL)' }).click();
    await expect(page.getByRole('heading', { level: 1 }).getByText('Succeeded')).toBeVisible({ timeout: 120_000 });
    await expect(
      page.getByRole('region', { name: 'Outputs' }).getByRole('row').filter({ hasText: 'ENROL' }),
    ).toContainText(String(expected.disposed));

    await page.goto(`${pipelinesUrl}/new`);
    await page.getByRole('button', { name: 'Use the example Clean demographics (dm_clean)' }).click();
    await expect(page.getByLabel('Input 2 source')).toHaveValue(/^pipeline:.*:ENROL$/);
    await expect(page.locator('[data-check="ok"]')).toBeVisible();
  });
});
