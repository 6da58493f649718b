import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRaveSimulator, startSftpTestServer } from '@cdp/connectors/testing';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { importRoot } from './support/servers.ts';
import { mainNav, shot, signIn } from './support/session.ts';

/*
 * A study manager adds a watched folder to the demo study through the wizard, drops a file into
 * it, pulls, watches the pull end and finds the new version in the study's versions. The folder
 * lives under the server's IMPORT_ROOT (set by the global setup).
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';
const DEMO_STUDY = 'CDP-301';

async function at(page: Page, width: number, name: string) {
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await shot(page, `${name}-${width}`);
}

test('a study manager adds a watched folder, pulls it and sees the new version', async ({ page }) => {
  const root = importRoot();
  const suffix = Date.now().toString(36);
  const folder = `drop-${suffix}`;
  const name = `Drop folder ${suffix}`;
  await mkdir(path.join(root, folder), { recursive: true });
  const file = path.join(root, folder, `vs-${suffix}.csv`);
  await writeFile(
    file,
    'USUBJID,VSTESTCD,VSSTRESN\n01-701-1015,SYSBP,128\n01-701-1015,DIABP,82\n01-701-1023,SYSBP,141\n',
  );
  const old = new Date(Date.now() - 5 * 60_000);
  await utimes(file, old, old);

  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: DEMO_STUDY }).first().click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
  await expect(page.getByRole('heading', { name: 'Data sources' })).toBeVisible();

  await page.getByRole('button', { name: 'Add source' }).click();
  const wizard = page.getByRole('dialog', { name: 'Add data source' });
  await wizard.getByLabel('Watched folder').check();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('Name').fill(name);
  await wizard.getByLabel('Folder').fill(folder);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Test connection' }).click();
  await expect(wizard.getByRole('status')).toContainText(`Folder ${folder} is readable; 0 files match`);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('File pattern').fill('*.csv');
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('Pull on a schedule').check();
  await wizard.getByLabel('Cron').fill('0 6 * * 1-5');
  await wizard.getByLabel('Time zone').selectOption('Europe/Berlin');
  await wizard.getByRole('button', { name: 'Next' }).click();
  await expect(wizard.getByText('0 6 * * 1-5 (Europe/Berlin)')).toBeVisible();
  await at(page, 1440, '90-data-source-wizard');
  await page.setViewportSize({ width: 1440, height: 900 });
  await wizard.getByRole('button', { name: 'Add source' }).click();
  await expect(wizard).toBeHidden();

  const row = page.getByTestId(`source-${name}`);
  await expect(row).toContainText('Never pulled');
  await expect(row).toContainText(/Weekdays at 06:00 \(Europe\/Berlin\) · next /);
  await row.getByRole('button', { name: 'Pull now' }).click();
  await expect(row.getByText('New version')).toBeVisible({ timeout: 60_000 });
  await expect(row).toContainText(/Version \S+: 1 dataset/);
  const label = /Version (\S+):/.exec((await row.textContent()) ?? '')?.[1];
  expect(label).toBeTruthy();
  // The new version is listed with the source named as its file.
  await expect(
    page
      .getByRole('row')
      .filter({ hasText: label as string })
      .first(),
  ).toContainText(name);

  await row.getByRole('button', { name: 'Show history' }).click();
  await expect(row.getByRole('table')).toContainText('New version');
  await row.getByRole('button', { name: 'Log' }).first().click();
  const log = page.getByRole('dialog', { name: 'Pull log' });
  await expect(log).toContainText(`Moved vs-${suffix}.csv to processed/`);
  await page.keyboard.press('Escape');

  for (const width of [1440, 1024, 390]) await at(page, width, '91-data-sources-study');
  await page.setViewportSize({ width: 1440, height: 900 });
  await mainNav(page).getByRole('link', { name: 'Data Sources' }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText(DEMO_STUDY);
  for (const width of [1440, 1024, 390]) await at(page, width, '92-data-sources-overview');
});

async function openStudyData(page: Page) {
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: DEMO_STUDY }).first().click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
  await expect(page.getByRole('heading', { name: 'Data sources' })).toBeVisible();
}

/*
 * The sFTP wizard with the in-process test server: the host key confirmed on the test step stays
 * confirmed when the remote folder is chosen on the next (it was dropped, and the saved source
 * could never pull); then Edit changes the pattern, tested with the saved password.
 */
test('sFTP: the confirmed host key survives choosing the folder; Edit tests with the saved secret', async ({
  page,
}) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'e2e-sftp-'));
  await mkdir(path.join(root, 'vendor', 'out'), { recursive: true });
  const sdtm = sharedData('cdiscpilot01', 'sdtm-original');
  await writeFile(
    path.join(root, 'vendor', 'out', 'sdtm_01.zip'),
    buildZip([{ name: 'dm.xpt', data: await readFile(path.join(sdtm, 'dm.xpt')) }]),
  );
  const server = await startSftpTestServer({ root, password: 'e2e-Sftp-pass-1' });
  const name = `Vendor sFTP ${Date.now().toString(36)}`;
  try {
    await openStudyData(page);
    await page.getByRole('button', { name: 'Add source' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add data source' });
    await wizard.getByLabel('sFTP server').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Name', { exact: true }).fill(name);
    await wizard.getByLabel('Host').fill('127.0.0.1');
    await wizard.getByLabel('Port').fill(String(server.port));
    await wizard.getByLabel('Username').fill(server.username);
    await wizard.getByLabel('Password', { exact: true }).fill('e2e-Sftp-pass-1');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Test connection' }).click();
    // /outgoing does not exist on this server: signed in and shown the key is enough to go on.
    await expect(wizard.getByTestId('host-key-fingerprint')).toHaveText(server.fingerprint);
    await wizard.getByLabel('This is the key my vendor gave me').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Remote folder').fill('/vendor/out');
    await wizard.getByLabel('File pattern').fill('sdtm_*.zip');
    await wizard.getByRole('button', { name: 'Check which files match' }).click();
    await expect(wizard.getByRole('status')).toContainText('1 file in /vendor/out match sdtm_*.zip');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect(wizard.getByText(server.fingerprint)).toBeVisible();
    await wizard.getByRole('button', { name: 'Add source' }).click();
    await expect(wizard).toBeHidden();

    const row = page.getByTestId(`source-${name}`);
    await expect(row).not.toContainText('Host key not confirmed');
    await row.getByRole('button', { name: 'Pull now' }).click();
    await expect(row.getByText('New version')).toBeVisible({ timeout: 60_000 });

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${name}` });
    await edit.getByLabel('File pattern').fill('*.zip');
    await edit.getByRole('button', { name: 'Test these settings' }).click();
    await expect(edit.getByRole('status')).toContainText('Host key matches the pinned one');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText('/vendor/out/*.zip');
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});

/*
 * The Rave wizard with the simulator: the account is tested before a study is picked (the test
 * used to ask for a study not chosen yet and never passed), the studies it sees are offered, the
 * schedule is checked as typed, and a pull makes a version.
 */
test('Rave: account tested, study picked from the list, schedule checked, pulled', async ({ page }) => {
  const sim = await startRaveSimulator({ subjects: 3, forms: 2, visits: 1, itemsPerForm: 3 });
  const name = `Rave ${Date.now().toString(36)}`;
  try {
    await openStudyData(page);
    await page.getByRole('button', { name: 'Add source' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add data source' });
    await wizard.getByLabel('Medidata Rave').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Name', { exact: true }).fill(name);
    await wizard.getByLabel('Rave URL').fill(sim.url);
    await wizard.getByLabel('RWS username').fill(sim.options.username);
    await wizard.getByLabel('Password', { exact: true }).fill(sim.options.password);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Test connection' }).click();
    await expect(wizard.getByRole('status')).toContainText('2 studies visible to this account');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Study and environment').selectOption(sim.study);
    await expect(wizard.getByLabel('Project', { exact: true })).toHaveValue(sim.options.project);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Pull on a schedule').check();
    await wizard.getByLabel('Cron').fill('0 6 * *');
    await expect(wizard.getByText('Give five fields')).toBeVisible();
    await expect(wizard.getByRole('button', { name: 'Next' })).toBeDisabled();
    await wizard.getByLabel('Cron').fill('0 6 * * 1-5');
    await wizard.getByLabel('Time zone').selectOption('Europe/Berlin');
    await expect(wizard.getByTestId('schedule-preview')).toContainText('Weekdays at 06:00 (Europe/Berlin)');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Add source' }).click();
    await expect(wizard).toBeHidden();
    const row = page.getByTestId(`source-${name}`);
    await row.getByRole('button', { name: 'Pull now' }).click();
    await expect(row.getByText('New version')).toBeVisible({ timeout: 60_000 });
    await expect(
      page
        .getByRole('row')
        .filter({ hasText: `${name}:` })
        .first(),
    ).toContainText('Merged from the source');
  } finally {
    await sim.stop();
  }
});
