import { buildZip } from '@cdp/formats/testing';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn } from './support/session.ts';

/*
 * A study manager loads two versions of a small SDTM extract, reads a dataset, compares the
 * versions and rolls back. The extract is built here (CSV in a ZIP) so the test needs no file
 * outside the repository and knows every value it checks. The demo study may already hold
 * versions (the demo data), so nothing below assumes it starts empty.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';
const DEMO_STUDY = 'CDP-301';

const DM = `STUDYID,DOMAIN,USUBJID,AGE,SEX,ARM
CDP-301,DM,01-701-1015,63,F,Placebo
CDP-301,DM,01-701-1023,64,M,Placebo
CDP-301,DM,01-701-1028,71,M,Xanomeline High Dose
CDP-301,DM,01-701-1033,74,M,Xanomeline Low Dose
`;

const AE_HEADER = 'STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AESEV,AESTDTC';
const AE_V1 = `${AE_HEADER}
CDP-301,AE,01-701-1015,1,APPLICATION SITE ERYTHEMA,MILD,2014-01-03
CDP-301,AE,01-701-1015,2,DIARRHOEA,MILD,2014-01-09
CDP-301,AE,01-701-1023,1,ERYTHEMA,SEVERE,2012-08-07
CDP-301,AE,01-701-1023,2,ATRIOVENTRICULAR BLOCK SECOND DEGREE,MODERATE,2012-08-26
CDP-301,AE,01-701-1028,1,APPLICATION SITE PRURITUS,MILD,2013-07-21
CDP-301,AE,01-701-1033,1,HYPERHIDROSIS,SEVERE,2014-03-25
`;
// The next extract: one severity re-graded, one event withdrawn, one new event.
const AE_V2 = `${AE_HEADER}
CDP-301,AE,01-701-1015,1,APPLICATION SITE ERYTHEMA,MILD,2014-01-03
CDP-301,AE,01-701-1015,2,DIARRHOEA,MODERATE,2014-01-09
CDP-301,AE,01-701-1023,1,ERYTHEMA,SEVERE,2012-08-07
CDP-301,AE,01-701-1028,1,APPLICATION SITE PRURITUS,MILD,2013-07-21
CDP-301,AE,01-701-1033,1,HYPERHIDROSIS,SEVERE,2014-03-25
CDP-301,AE,01-701-1033,2,DIZZINESS,MILD,2014-04-02
`;

/** A ZIP archive of CSV files, built in memory. */
function zip(entries: Record<string, string>): Buffer {
  return buildZip(Object.entries(entries).map(([name, data]) => ({ name, data })));
}

/** Uploads through the "Choose file" button, as a keyboard or mouse user would; returns the new version's label. */
async function upload(page: Page, name: string, buffer: Buffer, mimeType = 'application/zip'): Promise<string> {
  const choosing = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose file' }).click();
  await (await choosing).setFiles({ name, mimeType, buffer });
  const item = page.getByRole('listitem', { name: `Upload of ${name}` });
  await expect(item.getByText('Saved')).toBeVisible();
  const text = await item.getByText(/^Version \S+ created with/).textContent();
  const label = /^Version (\S+)/.exec(text ?? '')?.[1];
  if (!label) throw new Error(`no version label in "${text}"`);
  return label;
}

function versionRow(page: Page, label: string) {
  return page
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'Skipped' }) })
    .getByRole('row')
    .filter({ hasText: label });
}

test('a study manager uploads two versions, explores a dataset, compares the versions and rolls back', async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const first = `cdp301-extract-${suffix}-1.zip`;
  const second = `cdp301-extract-${suffix}-2.zip`;
  let v1 = '';
  let v2 = '';

  await test.step('the manager opens the Data tab of the demo study', async () => {
    await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: DEMO_STUDY }).first().click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
    await expect(page).toHaveURL(/\/data$/);
    await expect(page.getByRole('heading', { name: 'Upload data' })).toBeVisible();
    await shot(page, '40-data-tab');
  });

  await test.step('uploads a ZIP and sees what was converted', async () => {
    v1 = await upload(page, first, zip({ 'AE.csv': AE_V1, 'DM.csv': DM }));
    const item = page.getByRole('listitem', { name: `Upload of ${first}` });
    // By the dataset cell: the random file name in the source column can hold "ae" or "dm" too.
    await expect(item.getByRole('row', { name: /^AE / })).toContainText('6');
    await expect(item.getByRole('row', { name: /^DM / })).toContainText('4');
    await expect(versionRow(page, v1)).toContainText(first);
    await shot(page, '41-upload-result');
  });

  await test.step('opens the AE dataset of that version', async () => {
    await versionRow(page, v1)
      .getByRole('button', { name: `Show the datasets of version ${v1}` })
      .click();
    await expect(page.getByRole('heading', { name: new RegExp(`^Datasets in ${v1}`) })).toBeVisible();
    await page.getByRole('link', { name: 'AE', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('AE');
    const grid = page.getByRole('table', { name: 'Rows of AE' });
    await expect(grid.getByRole('row')).toHaveCount(7);
    await expect(page.getByText('6 rows', { exact: true })).toBeVisible();
  });

  await test.step('sorts by severity, descending', async () => {
    const grid = page.getByRole('table', { name: 'Rows of AE' });
    const header = grid.getByRole('columnheader', { name: /^AESEV/ });
    await header.getByRole('button', { name: /^AESEV(,|$)/ }).click();
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    await header.getByRole('button', { name: /^AESEV(,|$)/ }).click();
    await expect(header).toHaveAttribute('aria-sort', 'descending');
    await expect(page).toHaveURL(/sort=-AESEV/);
    await expect(grid.getByRole('row').nth(1)).toContainText('SEVERE');
  });

  await test.step('filters to severe events', async () => {
    await page.getByRole('button', { name: 'Add filter' }).click();
    const form = page.getByRole('form', { name: 'Filter rows' });
    await form.getByLabel('Column').selectOption('AESEV');
    await form.getByLabel('Condition').selectOption('eq');
    await form.getByLabel('Value').fill('SEVERE');
    await form.getByRole('button', { name: 'Apply filter' }).click();
    await expect(page.getByRole('button', { name: 'Edit filter AESEV = SEVERE' })).toBeVisible();
    await expect(page.getByText(/^2 of 6 rows$/)).toBeVisible();
    const grid = page.getByRole('table', { name: 'Rows of AE' });
    await expect(grid.getByRole('row')).toHaveCount(3);
  });

  await test.step('opens the profile of a column', async () => {
    const grid = page.getByRole('table', { name: 'Rows of AE' });
    await grid.getByRole('button', { name: 'USUBJID column actions' }).click();
    await page.getByRole('menuitem', { name: 'Column profile' }).click();
    const profile = page.getByRole('complementary', { name: 'Profile of USUBJID' });
    await expect(profile.getByText('Distinct')).toBeVisible();
    // The profile follows the filter: the two severe events, not all six.
    await expect(profile.getByText('Computed over the 2 rows the filters keep.')).toBeVisible();
    const values = profile.getByRole('list', { name: 'Most frequent values' });
    await expect(values).toContainText('01-701-1023');
    await expect(values).toContainText('01-701-1033');
    await expect(values).not.toContainText('01-701-1015');
    await shot(page, '42-dataset-viewer');
  });

  await test.step('splits the profile by a column', async () => {
    const profile = page.getByRole('complementary', { name: 'Profile of USUBJID' });
    await profile.getByLabel('Split the profile by').selectOption('AETERM');
    const split = profile.getByRole('list', { name: 'USUBJID by AETERM' });
    await expect(split.getByRole('listitem')).toHaveCount(2);
    await expect(split.getByRole('listitem').filter({ hasText: 'HYPERHIDROSIS' })).toContainText('1 row');
    await expect(page).toHaveURL(/by=AETERM/);
    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await shot(page, `42-profile-split-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step('downloads the rows as filtered and sorted, or the dataset as stored', async () => {
    await page.getByRole('button', { name: 'Download' }).click();
    await expect(page.getByText('As filtered and sorted')).toBeVisible();
    await expect(page.getByText('All rows of AE, as stored')).toBeVisible();
    await shot(page, '42-download-menu');
    const downloading = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: /CSV of the rows shown/ }).click();
    const file = await (await downloading).path();
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(AE_HEADER);
    expect(lines.slice(1).every((line) => line.includes('SEVERE'))).toBe(true);
  });

  await test.step('uploads the next extract as a second version', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Data' }).click();
    v2 = await upload(page, second, zip({ 'AE.csv': AE_V2, 'DM.csv': DM }));
    await expect(versionRow(page, v2)).toBeVisible();
  });

  await test.step('compares the two versions', async () => {
    await page.getByRole('button', { name: 'Compare versions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Compare versions' });
    const pick = async (field: string, label: string) => {
      const select = dialog.getByLabel(field);
      const value = await select.locator('option', { hasText: label }).getAttribute('value');
      await select.selectOption(value ?? '');
    };
    await pick('From (older)', v1);
    await pick('To (newer)', v2);
    await dialog.getByRole('button', { name: 'Compare' }).click();
    await expect(page.getByRole('heading', { name: 'Compare versions', level: 1 })).toBeVisible();
    const ae = page.getByRole('region', { name: 'Dataset AE' });
    await expect(ae.getByText('Changed', { exact: true })).toBeVisible();
    await expect(ae).toContainText('+1 added');
    await expect(ae).toContainText('−1 removed');
    await expect(ae).toContainText('~1 changed');
    const changed = ae.getByRole('list', { name: 'Changed rows of AE' });
    await expect(changed).toContainText('01-701-1015');
    await expect(changed).toContainText('MILD');
    await expect(changed).toContainText('MODERATE');
    await expect(ae.getByRole('table', { name: 'Added rows of AE' })).toContainText('DIZZINESS');
    await expect(page.getByText('Datasets unchanged')).toBeVisible();
    await shot(page, '43-compare-versions');
  });

  await test.step('activates the new version, then rolls back to the first with a reason', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Data' }).click();
    await versionRow(page, v2).getByRole('button', { name: 'Activate' }).click();
    const activate = page.getByRole('alertdialog', { name: `Activate ${v2}?` });
    await activate.getByLabel('Reason').fill('Extract of 2 April reviewed by data management');
    await activate.getByRole('button', { name: 'Activate' }).click();
    await expect(activate).toBeHidden();
    await expect(versionRow(page, v2).getByText('Active', { exact: true })).toBeVisible();

    await versionRow(page, v1).getByRole('button', { name: 'Roll back' }).click();
    const rollBack = page.getByRole('alertdialog', { name: `Roll back to ${v1}?` });
    await rollBack.getByLabel('Reason').fill('no');
    await rollBack.getByRole('button', { name: 'Roll back' }).click();
    await expect(rollBack.getByText('Give a reason (at least 3 characters).')).toBeVisible();
    await rollBack.getByLabel('Reason').fill('AE re-grading of 01-701-1015 not yet confirmed by the site');
    await shot(page, '44-roll-back-dialog');
    await rollBack.getByRole('button', { name: 'Roll back' }).click();
    await expect(rollBack).toBeHidden();
    await expect(versionRow(page, v1).getByText('Active', { exact: true })).toBeVisible();
    await expect(versionRow(page, v2).getByText('Active', { exact: true })).toBeHidden();
    await expect(versionRow(page, v2).getByRole('button', { name: 'Activate' })).toBeVisible();
    await shot(page, '45-rolled-back');
  });
});

test('a semicolon CSV from a European Excel loads with the delimiter the user picks', async ({ page }) => {
  const name = `lb-${Date.now().toString(36)}.csv`;
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: DEMO_STUDY }).first().click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
  await page.getByText('CSV options').click();
  await page.getByLabel('Delimiter').selectOption({ label: 'Semicolon ;' });
  await page.getByLabel('Column types').fill('SITEID:string');
  await shot(page, '46-csv-options');
  const label = await upload(
    page,
    name,
    Buffer.from('USUBJID;SITEID;LBSTRESN\n01-001;1;3,5\n01-002;2;4,1\n'),
    'text/csv',
  );
  const item = page.getByRole('listitem', { name: `Upload of ${name}` });
  const row = item.getByRole('row').filter({ hasText: name.replace(/\.csv$/, '') });
  await expect(row).toContainText('3');
  await expect(versionRow(page, label)).toContainText(name);
});
