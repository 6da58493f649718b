import { buildZip } from '@cdp/formats/testing';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn } from './support/session.ts';

/*
 * The review workflow in a real browser: a clinical monitor marks an AE reviewed on the Review
 * page; a new upload re-grades that AE and is activated; the mark reads "changed since review"
 * with what changed. Uploads and activation go through the API as the study manager (the Data
 * page has its own spec). The extract is built here, so every value checked is known.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';
const MONITOR_EMAIL = 'monitor@demo.cdp.local';
const DEMO_STUDY = 'CDP-301';

const DM = `STUDYID,DOMAIN,USUBJID,AGE,SEX,ARM
CDP-301,DM,01-701-1015,63,F,Placebo
CDP-301,DM,01-701-1023,64,M,Placebo
`;
const AE_HEADER = 'STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AESEV,AESTDTC';
const AE_V1 = `${AE_HEADER}
CDP-301,AE,01-701-1015,1,APPLICATION SITE ERYTHEMA,MILD,2014-01-03
CDP-301,AE,01-701-1015,2,DIARRHOEA,MILD,2014-01-09
CDP-301,AE,01-701-1023,1,ERYTHEMA,SEVERE,2012-08-07
`;
// The next transfer re-grades the diarrhoea.
const AE_V2 = AE_V1.replace('2,DIARRHOEA,MILD', '2,DIARRHOEA,MODERATE');

async function loadAndActivate(request: APIRequestContext, ae: string, dm = DM): Promise<void> {
  const login = await request.post('/api/auth/login', { data: { email: MANAGER_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const studies = await request.get('/api/studies', { headers });
  const study = (await studies.json()).data.find((s: { code: string }) => s.code === DEMO_STUDY);
  const buffer = buildZip([
    { name: 'dm.csv', data: dm },
    { name: 'ae.csv', data: ae },
  ]);
  const upload = await request.post(`/api/studies/${study.id}/uploads`, {
    headers,
    multipart: { file: { name: 'review-extract.zip', mimeType: 'application/zip', buffer } },
    // A loaded 2-core machine converts slowly.
    timeout: 120_000,
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const version = (await upload.json()).data;
  if (version.active) return;
  const activated = await request.post(`/api/studies/${study.id}/versions/${version.id}/activate`, {
    headers,
    data: { reason: 'Review e2e: new AE transfer' },
    timeout: 120_000,
  });
  expect(activated.status(), await activated.text()).toBe(200);
}

/** The demo study and the manager's headers, for putting its data back after each test. */
async function asManager(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: { email: MANAGER_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const studies = await request.get('/api/studies', { headers });
  const study = (await studies.json()).data.find((s: { code: string }) => s.code === DEMO_STUDY);
  return { headers, studyId: study.id as string };
}

// These tests activate small extracts on the demo study; the specs after them (site monitoring,
// dashboards) read the demo data, so the version active before each test is made active again.
let activeBefore: string | null = null;

test.beforeEach(async ({ request }) => {
  const { headers, studyId } = await asManager(request);
  const versions = await request.get(`/api/studies/${studyId}/versions`, { headers });
  activeBefore = (await versions.json()).meta.activeVersionId ?? null;
});

test.afterEach(async ({ request }) => {
  if (!activeBefore) return;
  const { headers, studyId } = await asManager(request);
  const restored = await request.post(`/api/studies/${studyId}/versions/${activeBefore}/activate`, {
    headers,
    data: { reason: 'Review e2e: the demo data back as it was' },
    timeout: 120_000,
  });
  expect([200, 409], await restored.text()).toContain(restored.status());
});

test('a monitor marks an AE reviewed; a new version changes it and the mark shows what changed', async ({
  page,
  request,
}) => {
  await test.step('the study manager loads and activates an extract', () => loadAndActivate(request, AE_V1));

  await test.step('the monitor marks AE 01-701-1015/2 reviewed on the Review page', async () => {
    await signIn(page, MONITOR_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: DEMO_STUDY }).first().click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'AE', exact: true }).click();
    await page.getByRole('combobox', { name: 'Show records' }).selectOption('not_reviewed');
    await page.getByRole('button', { name: 'Mark reviewed: AE USUBJID=01-701-1015|AESEQ=2' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Comment/).fill('Checked against the source document');
    await dialog.getByRole('button', { name: 'Mark reviewed' }).click();
    await expect(page.getByText('Marked reviewed: AE USUBJID=01-701-1015|AESEQ=2')).toBeVisible();
    await page.getByRole('combobox', { name: 'Show records' }).selectOption('reviewed');
    const row = page.getByRole('row', { name: /01-701-1015.*AESEQ 2/ });
    await expect(row.getByText('Reviewed', { exact: true })).toBeVisible();
    await expect(row).toContainText('Checked against the source document');
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await expect(row).toBeVisible();
      await shot(page, `review-10-marked-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step('a new transfer re-grades the AE; the mark reads "changed since review"', async () => {
    await loadAndActivate(request, AE_V2);
    await page.reload();
    await page.getByRole('button', { name: 'AE', exact: true }).click();
    await page.getByRole('combobox', { name: 'Show records' }).selectOption('changed');
    const row = page.getByRole('row', { name: /01-701-1015.*AESEQ 2/ });
    await expect(row.getByText('Changed since review')).toBeVisible();
    const changes = row.getByRole('list', { name: 'What changed since review' });
    await expect(changes).toContainText('AESEV');
    await expect(changes).toContainText('MILD');
    await expect(changes).toContainText('MODERATE');
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await expect(row).toBeVisible();
      await shot(page, `review-11-changed-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step('the monitor opens a query on the changed AE', async () => {
    const row = page.getByRole('row', { name: /01-701-1015.*AESEQ 2/ });
    await row.getByRole('button', { name: 'Notes and queries: AE USUBJID=01-701-1015|AESEQ=2' }).click();
    const panel = page.getByRole('dialog');
    await panel.getByLabel('Title').fill('Severity re-graded');
    await panel.getByLabel('Message').fill('Please confirm MODERATE against the source.');
    // The picker offers the study's users who may act on a query: the manager, not the data scientist.
    const assignTo = panel.getByRole('combobox', { name: 'Assign to' });
    await expect(assignTo.getByRole('option', { name: 'Morgan Manager' })).toHaveCount(1);
    await expect(assignTo.getByRole('option', { name: /Scientist/ })).toHaveCount(0);
    await assignTo.selectOption({ label: 'Morgan Manager' });
    await panel.getByRole('button', { name: 'Open query' }).click();
    await expect(panel.getByText('Please confirm MODERATE against the source.')).toBeVisible();
    await expect(panel.getByText('Open', { exact: true })).toBeVisible();
    await expect(panel.getByText(/assigned to Morgan Manager/)).toBeVisible();
    const assigned = panel.getByRole('combobox', { name: 'Assigned to' });
    await expect(assigned).toHaveValue(/.+/);
    await assigned.selectOption({ label: 'Nobody' });
    await expect(panel.getByText(/assigned to Morgan Manager/)).toHaveCount(0);
    await assigned.selectOption({ label: 'Morgan Manager' });
    await expect(panel.getByText(/assigned to Morgan Manager/)).toBeVisible();
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shot(page, `review-12-query-${width}`);
    }
  });
});

// The walk from the dashboard: AEs with body systems (the AE chart's bars), one per subject per system.
const WALK_AE_HEADER = 'STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AEBODSYS,AESEV,AESER,AESTDTC';
const WALK_AE_V1 = `${WALK_AE_HEADER}
CDP-301,AE,01-701-1015,1,APPLICATION SITE ERYTHEMA,APPLICATION SITE ERYTHEMA,GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS,MILD,N,2014-01-03
CDP-301,AE,01-701-1015,2,DIARRHOEA,DIARRHOEA,GASTROINTESTINAL DISORDERS,MILD,N,2014-01-09
CDP-301,AE,01-701-1023,1,ERYTHEMA,ERYTHEMA,SKIN AND SUBCUTANEOUS TISSUE DISORDERS,SEVERE,N,2012-08-07
CDP-301,AE,01-701-1023,2,HEADACHE,HEADACHE,NERVOUS SYSTEM DISORDERS,MILD,N,2012-08-09
`;
// The next transfer re-grades the erythema of 01-701-1023 and makes it serious.
const WALK_AE_V2 = WALK_AE_V1.replace(
  '1,ERYTHEMA,ERYTHEMA,SKIN AND SUBCUTANEOUS TISSUE DISORDERS,SEVERE,N',
  '1,ERYTHEMA,ERYTHEMA,SKIN AND SUBCUTANEOUS TISSUE DISORDERS,MODERATE,Y',
);

test('a monitor drills from the AE chart to a profile, marks an AE reviewed; a new version shows what changed there', async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  await test.step('the study manager loads and activates an extract with body systems', () =>
    loadAndActivate(request, WALK_AE_V1));

  const aes = page.getByRole('table', { name: 'Adverse events' });
  const erythema = aes.getByRole('row').filter({ hasText: 'ERYTHEMA' }).filter({ hasText: 'SKIN AND SUBCUTANEOUS' });

  await test.step('the monitor drills from the AE chart to the subjects and opens the profile', async () => {
    await signIn(page, MONITOR_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: DEMO_STUDY }).first().click();
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await page
      .getByRole('link', { name: /Clinical Study Overview/ })
      .first()
      .click();
    const aeChart = page.locator('[data-widget-id="ae-by-soc"]');
    await expect(aeChart).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await aeChart.getByRole('button', { name: /: actions$/ }).click();
    await page.getByRole('menuitem', { name: 'Show as table' }).click();
    await aeChart
      .getByRole('button', { name: /View subjects: .*SKIN AND SUBCUTANEOUS/ })
      .first()
      .click();
    const subjects = page.getByRole('dialog').getByRole('table', { name: 'Subjects' });
    await expect(subjects.locator('[data-subject-link]')).toHaveCount(1);
    await subjects.locator('[data-subject-link="01-701-1023"]').click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('01-701-1023');
    await expect(erythema).toBeVisible({ timeout: 30_000 });
    // A reviewer without data:view reads the profile, not the raw dataset tabs.
    await expect(page.locator('[data-section="datasets"]')).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Subject review' })).toContainText('Not reviewed');
  });

  await test.step('the monitor marks the erythema reviewed on the profile', async () => {
    await expect(erythema.getByText('Not reviewed', { exact: true })).toBeVisible();
    await erythema.getByRole('button', { name: 'Mark reviewed: AE 1 ERYTHEMA' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Comment/).fill('Severity confirmed with the site');
    await dialog.getByRole('button', { name: 'Mark reviewed' }).click();
    await expect(page.getByText('Marked reviewed: AE 1 ERYTHEMA')).toBeVisible();
    await expect(erythema.getByText('Reviewed', { exact: true })).toBeVisible();
    await expect(erythema).toContainText('Severity confirmed with the site');
  });

  await test.step('a new version re-grades the AE; the profile shows "changed since review" and what changed', async () => {
    await loadAndActivate(request, WALK_AE_V2);
    await page.reload();
    await expect(erythema.getByText('Changed since review')).toBeVisible({ timeout: 30_000 });
    const changes = erythema.getByRole('list', { name: 'What changed since review' });
    await expect(changes).toContainText('AESEV');
    await expect(changes).toContainText('SEVERE');
    await expect(changes).toContainText('MODERATE');
    await expect(changes).toContainText('AESER');
    await expect(erythema.getByRole('button', { name: 'Mark reviewed: AE 1 ERYTHEMA' })).toContainText('Review again');
    // The headache, never marked, stays "not reviewed".
    const headache = aes.getByRole('row').filter({ hasText: 'HEADACHE' });
    await expect(headache.getByText('Not reviewed', { exact: true })).toBeVisible();
    for (const [width, height] of [
      [1440, 900],
      [1024, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await erythema.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      // The mark control is on screen at every width, without scrolling the table sideways.
      const again = erythema.getByRole('button', { name: 'Mark reviewed: AE 1 ERYTHEMA' });
      const box = await again.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= width, `mark control inside ${width} px`).toBe(true);
      await shot(page, `review-20-profile-changed-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

// Subjects of their own, so marks left by the tests above never meet these records.
// A third subject, in another arm and not reviewed, for the listing's arm filter.
const VIEWER_DM = `${DM.replaceAll('01-701-1015', '01-701-1028').replaceAll('01-701-1023', '01-701-1033')}CDP-301,DM,01-701-1047,70,F,Xanomeline High Dose
`;
const VIEWER_AE = AE_V1.replaceAll('01-701-1015', '01-701-1028').replaceAll('01-701-1023', '01-701-1033');

test('review marks and filters where records are shown: the dataset viewer and the subject listing', async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  await test.step('the study manager loads an extract and marks a subject and an AE through the API', async () => {
    await loadAndActivate(request, VIEWER_AE, VIEWER_DM);
    const { headers, studyId } = await asManager(request);
    for (const data of [
      { dataset: 'DM', key: { USUBJID: '01-701-1028' } },
      { dataset: 'AE', key: { USUBJID: '01-701-1028', AESEQ: 2 }, comment: 'Checked in the viewer spec' },
    ]) {
      const marked = await request.post(`/api/studies/${studyId}/review/marks`, { headers, data });
      expect(marked.status(), await marked.text()).toBe(201);
    }
  });

  await test.step('the dataset viewer marks each row on screen and filters by review status', async () => {
    const { headers, studyId } = await asManager(request);
    const versions = await request.get(`/api/studies/${studyId}/versions`, { headers });
    const versionId = (await versions.json()).meta.activeVersionId as string;
    await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
    const datasets = await request.get(`/api/studies/${studyId}/versions/${versionId}/datasets`, { headers });
    const ae = ((await datasets.json()).data as { name: string }[]).find((d) => d.name.toUpperCase() === 'AE')?.name;
    await page.goto(`/studies/${studyId}/data/versions/${versionId}/${ae}`);
    const grid = page.getByRole('table', { name: `Rows of ${ae}` });
    await expect(grid.getByRole('button', { name: 'Reviewed: AE USUBJID=01-701-1028|AESEQ=2' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(grid.locator('[data-review-status="not_reviewed"]')).toHaveCount(2);
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shot(page, `review-30-viewer-marks-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await grid.getByRole('button', { name: 'Reviewed: AE USUBJID=01-701-1028|AESEQ=2' }).click();
    const sheet = page.getByRole('dialog');
    await expect(sheet).toContainText('Checked in the viewer spec');
    await expect(sheet.getByRole('button', { name: /^Unmark: / })).toBeVisible();
    await page.keyboard.press('Escape');

    await page.getByRole('combobox', { name: 'Review status' }).selectOption('not_reviewed');
    await expect(page).toHaveURL(/review=not_reviewed/);
    // The grid itself is filtered: the two records not reviewed (1028/1 and 1033/1), of three.
    await expect(page.getByText(/^2 of 3 rows$/)).toBeVisible({ timeout: 30_000 });
    await expect(grid.locator('[data-review-status="not_reviewed"]')).toHaveCount(2);
    await expect(grid.locator('[data-review-status="reviewed"]')).toHaveCount(0);

    // A column filter combines with the status filter (AND), on the server.
    await page.getByRole('button', { name: 'Add filter' }).click();
    const form = page.getByRole('form', { name: 'Filter rows' });
    await form.getByLabel('Column').selectOption('AESEV');
    await form.getByLabel('Condition').selectOption('eq');
    await form.getByLabel('Value').fill('SEVERE');
    await form.getByRole('button', { name: 'Apply filter' }).click();
    await expect(page.getByText(/^1 of 3 rows$/)).toBeVisible({ timeout: 30_000 });
    await expect(grid.getByRole('row').filter({ hasText: '01-701-1033' })).toHaveCount(1);
    await expect(grid.getByRole('row').filter({ hasText: '01-701-1028' })).toHaveCount(0);
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shot(page, `review-31-viewer-filter-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    // Reviewed AND SEVERE keeps nothing; clearing the status keeps the column filter.
    await page.getByRole('combobox', { name: 'Review status' }).selectOption('reviewed');
    await expect(page.getByText('No rows match these filters and are “reviewed”')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Any review status' }).click();
    await expect(page).not.toHaveURL(/review=/);
    await expect(page.getByRole('button', { name: 'Edit filter AESEV = SEVERE' })).toBeVisible();
    await expect(page.getByText(/^1 of 3 rows$/)).toBeVisible({ timeout: 30_000 });
    // Clearing the column filter keeps the status filter.
    await page.getByRole('combobox', { name: 'Review status' }).selectOption('reviewed');
    await page.getByRole('button', { name: 'Clear column filters' }).click();
    await expect(page).toHaveURL(/review=reviewed/);
    await expect(page.getByText(/^1 of 3 rows$/)).toBeVisible({ timeout: 30_000 });
    await expect(grid.locator('[data-review-status="reviewed"]')).toHaveCount(1);
  });

  await test.step('the subject listing carries the subject mark and filters by review status with the arm filter', async () => {
    await page.goto('/studies');
    await page.getByRole('link', { name: DEMO_STUDY }).first().click();
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await page
      .getByRole('link', { name: /Clinical Study Overview/ })
      .first()
      .click();
    await page.getByRole('link', { name: 'Subjects', exact: true }).click();
    const listing = page.locator('[data-widget-id="subject-listing"]');
    await expect(listing).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await listing.scrollIntoViewIfNeeded();
    await expect(listing.getByRole('button', { name: 'Reviewed: Subject 01-701-1028' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(listing.getByRole('button', { name: 'Not reviewed: Subject 01-701-1033' })).toBeVisible();
    await shot(page, 'review-32-listing-marks-1440');
    const status = listing.getByRole('combobox', { name: 'Review status of the subjects' });
    const rows = listing.getByRole('row').filter({ has: page.locator('[data-subject-link]') });
    await status.selectOption('not_reviewed');
    // The listing itself is filtered on the server: the two subjects not reviewed, in both arms.
    await expect(page).toHaveURL(/wo=/);
    await expect(rows).toHaveCount(2, { timeout: 30_000 });
    await expect(rows.nth(0)).toContainText('01-701-1033');
    await expect(rows.nth(1)).toContainText('01-701-1047');

    // The dashboard's arm filter (from the address, as a shared link carries it) ANDs with the status.
    const address = new URL(page.url());
    address.searchParams.set('f', JSON.stringify([{ field: 'arm', op: 'in', value: ['Placebo'] }]));
    await page.goto(address.toString());
    await expect(listing).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(status).toHaveValue('not_reviewed');
    await expect(rows).toHaveCount(1, { timeout: 30_000 });
    await expect(rows.first()).toContainText('01-701-1033');
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await listing.scrollIntoViewIfNeeded();
      await shot(page, `review-33-listing-filter-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    // Another status keeps the arm filter; "All subjects" keeps it too.
    await status.selectOption('reviewed');
    await expect(rows).toHaveCount(1, { timeout: 30_000 });
    await expect(rows.first()).toContainText('01-701-1028');
    await status.selectOption('all');
    await expect(page).not.toHaveURL(/wo=/);
    await expect(rows).toHaveCount(2, { timeout: 30_000 });
    await expect(listing).not.toContainText('01-701-1047');
  });
});
