import { execFileSync } from 'node:child_process';
import { expect, type Page, test } from '@playwright/test';
import { authenticator } from 'otplib';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn, signOut, submitSignIn } from './support/session.ts';

/*
 * Part 11 in a browser: a data scientist turns on two-factor sign-in (the code computed here from
 * the secret the page shows, as an authenticator app would), signs out, signs in with a code, and
 * signs a dashboard version; the version shows the signature and "valid".
 */

const SCIENTIST = 'scientist@demo.cdp.local';

/** A code `offset` 30-second steps from now; each step is accepted once, so the test moves forward. */
function code(secret: string, offset: number): string {
  return authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);
}

/** Leaves at least 10 s of the current step, so a code does not go stale between typing and checking. */
async function awayFromStepEdge(page: Page): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < 10) await page.waitForTimeout(left * 1000 + 300);
}

test('enrol TOTP, sign in with a code, sign a dashboard version and see it verified', async ({ page }) => {
  await signIn(page, SCIENTIST, DEMO_PASSWORD);
  await page.goto('/settings');
  const card = page.locator('#security');
  await card.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(card.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = (await card.getByTestId('totp-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await shot(page, 'signatures-enrol');
  await awayFromStepEdge(page);
  await card.getByLabel('Code from the app').fill(code(secret, -1));
  await card.getByRole('button', { name: 'Confirm' }).click();
  await expect(card.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await expect(card.getByText('On', { exact: true })).toBeVisible();
  await shot(page, 'signatures-recovery-codes');

  await signOut(page);
  await submitSignIn(page, SCIENTIST, DEMO_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  await shot(page, 'signatures-login-code');
  await page.getByLabel('Authenticator code').fill(code(secret, 0));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).not.toHaveURL(/\/login(?:[?#]|$)/, { timeout: 15_000 });

  await page.getByRole('link', { name: 'Studies' }).first().click();
  await page
    .getByRole('link', { name: /CDP-301/ })
    .first()
    .click();
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page
    .getByRole('link', { name: /Clinical Study Overview/ })
    .first()
    .click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Version history' }).click();
  const versions = page.getByRole('list', { name: 'Saved versions' });
  await versions
    .getByRole('button', { name: /^Sign version/ })
    .first()
    .click();

  const dialog = page.getByRole('dialog', { name: 'Sign electronically' });
  await expect(dialog.getByLabel('Meaning')).toHaveValue('Approval');
  await dialog.getByLabel('E-mail').fill(SCIENTIST);
  await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
  await dialog.getByLabel('Authenticator code').fill(code(secret, 1));
  await dialog.getByLabel('Reason').fill('Approved for use in the monthly safety review');
  await shot(page, 'signatures-dialog');
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden();

  const signatures = versions.getByRole('list', { name: 'Signatures' }).first();
  await expect(signatures).toContainText('Approval');
  await expect(signatures).toContainText('Sam Scientist');
  await expect(signatures.getByText('valid', { exact: true })).toBeVisible();
  await shot(page, 'signatures-badge');
});

const DM = `STUDYID,DOMAIN,USUBJID,AGE,SEX,ARM
SIG,DM,SIG-001,63,F,Placebo
SIG,DM,SIG-002,71,M,Xanomeline High Dose
`;

/** The page at the three widths the product is checked at (desktop, small laptop, phone). */
async function shotAtWidths(page: Page, name: string) {
  for (const width of [1440, 1024, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await shot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** Fills the signature dialog as an administrator without a second factor, first signature of the session. */
async function signAs(page: Page, email: string, meaning: string) {
  const dialog = page.getByRole('dialog', { name: 'Sign electronically' });
  await expect(dialog.getByLabel('Meaning')).toHaveValue(meaning);
  const emailField = dialog.getByLabel('E-mail');
  if (await emailField.isVisible()) await emailField.fill(email);
  await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
  return dialog;
}

test('with signatures required for activation, Activate asks for the signature in the same flow; a pipeline version is signed', async ({
  page,
  request,
}) => {
  const code = `SIG-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  let studyId = '';
  await test.step('a study with two data versions and a pipeline (through the API)', async () => {
    const study = await request.post('/api/studies', {
      headers,
      data: { code, name: 'Signatures end to end', phase: 'II' },
    });
    expect(study.status(), await study.text()).toBe(201);
    studyId = (await study.json()).data.id;
    for (const body of [DM, DM.replace('63,F', '64,F')]) {
      const upload = await request.post(`/api/studies/${studyId}/uploads`, {
        headers,
        multipart: { file: { name: 'DM.csv', mimeType: 'text/csv', buffer: Buffer.from(body) } },
      });
      expect(upload.status(), await upload.text()).toBe(201);
    }
    const pipeline = await request.post(`/api/studies/${studyId}/pipelines`, {
      headers,
      data: {
        name: 'Adults',
        kind: 'sql',
        body: { statements: [{ name: 'adults', sql: 'SELECT * FROM DM WHERE AGE >= 18' }] },
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['adults'],
      },
    });
    expect(pipeline.status(), await pipeline.text()).toBe(201);
  });

  try {
    await test.step('the administrator requires a signature for activation', async () => {
      await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
      await page.goto('/settings');
      const setting = page
        .locator('#compliance')
        .getByRole('switch', { name: 'Require a signature to activate or roll back a data version' });
      await setting.click();
      await expect(setting).toBeChecked();
    });

    await test.step('Activate: the reason, then the signature, then the version is active and shows it', async () => {
      await mainNav(page).getByRole('link', { name: 'Studies' }).click();
      await page.getByRole('link', { name: code }).first().click();
      await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
      const versions = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Skipped' }) });
      const activate = versions.getByRole('button', { name: 'Activate' });
      await expect(activate).toHaveCount(1);
      const label =
        (
          await versions
            .getByRole('row')
            .filter({ has: page.getByRole('button', { name: 'Activate' }) })
            .getByRole('button', { name: /^Show the datasets/ })
            .textContent()
        )?.trim() ?? '';
      expect(label).toMatch(/^\d{8}_\d{6}/);
      const row = versions.getByRole('row').filter({ hasText: label });
      await activate.click();
      const ask = page.getByRole('alertdialog', { name: /^Activate / });
      await ask.getByLabel('Reason').fill('Corrected age of SIG-001');
      await ask.getByRole('button', { name: 'Activate' }).click();
      const dialog = await signAs(page, ADMIN_EMAIL, 'Approval');
      await expect(dialog).toContainText('your organization requires a signature');
      await shotAtWidths(page, 'signatures-activation-dialog');
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await expect(dialog).toBeHidden();
      await expect(row.getByText('Active', { exact: true })).toBeVisible();
      const signatures = row.getByRole('list', { name: 'Signatures' });
      await expect(signatures).toContainText('Approval');
      await expect(signatures.getByText('valid', { exact: true })).toBeVisible();
      await shotAtWidths(page, 'signatures-activation-badge');
    });

    await test.step('a pipeline version is signed from its history and shows "valid"', async () => {
      await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Pipelines' }).click();
      await page.getByRole('link', { name: 'Adults' }).first().click();
      await page.getByRole('link', { name: 'Version history' }).click();
      const versions = page.getByRole('list', { name: 'Saved versions' });
      await versions.getByRole('button', { name: 'Sign version 1' }).click();
      const dialog = await signAs(page, ADMIN_EMAIL, 'Approval');
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await expect(dialog).toBeHidden();
      const signatures = versions.getByRole('list', { name: 'Signatures' }).first();
      await expect(signatures).toContainText('Approval');
      await expect(signatures.getByText('valid', { exact: true })).toBeVisible();
      await shotAtWidths(page, 'signatures-pipeline-version');
    });
  } finally {
    // The setting is the organization's: later specs activate versions without a signature.
    await request.patch('/api/organization/compliance', { headers, data: { requireSignatureForActivation: false } });
  }
});

test('a finished PDF export is signed and its signed copy ends with the signature page; a locked study is signed', async ({
  page,
  request,
}, testInfo) => {
  const code = `SGX-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const study = await request.post('/api/studies', { headers, data: { code, name: 'Signed exports', phase: 'II' } });
  expect(study.status(), await study.text()).toBe(201);
  const studyId = (await study.json()).data.id as string;
  const upload = await request.post(`/api/studies/${studyId}/uploads`, {
    headers,
    multipart: { file: { name: 'DM.csv', mimeType: 'text/csv', buffer: Buffer.from(DM) } },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const dashboard = await request.post(`/api/studies/${studyId}/dashboards`, {
    headers,
    data: { name: 'Signed overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.status(), await dashboard.text()).toBe(201);
  const dashboardId = (await dashboard.json()).data.id as string;

  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.goto(`/studies/${studyId}/dashboards/${dashboardId}`);
  await expect(page.getByRole('heading', { name: 'Signed overview' })).toBeVisible();
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export dashboard' });
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.locator('[data-export-status="SUCCEEDED"]')).toBeVisible({ timeout: 60_000 });
  const signatures = dialog.getByTestId('export-signatures');
  await expect(signatures).toContainText('Not signed');
  await signatures.getByRole('button', { name: 'Sign', exact: true }).click();
  const sign = await signAs(page, ADMIN_EMAIL, 'Approval');
  await shotAtWidths(page, 'signatures-export-dialog');
  await sign.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(sign).toBeHidden();
  await expect(signatures.getByRole('list', { name: 'Signatures' })).toContainText('Approval');
  await expect(signatures.getByText('valid', { exact: true })).toBeVisible();
  await shotAtWidths(page, 'signatures-export-signed');

  // The signed copy: the original's pages plus a last page printing the original's SHA-256.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    signatures.getByRole('button', { name: 'Download signed copy' }).click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/ \(signed\)\.pdf$/);
  const copy = testInfo.outputPath('signed.pdf');
  await file.saveAs(copy);
  const list = await request.get(`/api/studies/${studyId}/dashboards/${dashboardId}/exports`, { headers });
  const exported = (await list.json()).data[0] as { sha256: string };
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [copy], { encoding: 'utf8' }))?.[1]);
  const last = execFileSync('pdftotext', ['-f', String(pages), '-l', String(pages), copy, '-'], {
    encoding: 'utf8',
  }).replace(/\s+/g, ' ');
  expect(last).toContain('Electronic signatures');
  expect(last).toContain(`SHA-256 of the original file ${exported.sha256}`);
  expect(last).toContain('Approval');
  expect(last).toContain('Verified: the record is unchanged since it was signed');
  await dialog.getByRole('button', { name: 'Close' }).first().click();

  // The lock: the study goes active then locked, and its overview offers "Sign the lock".
  for (const status of ['active', 'locked']) {
    const moved = await request.post(`/api/studies/${studyId}/status`, {
      headers,
      data: { status, reason: 'Database lock for the signatures test' },
    });
    expect(moved.status(), await moved.text()).toBe(200);
  }
  await page.goto(`/studies/${studyId}`);
  await page.getByRole('button', { name: 'Sign the lock' }).click();
  const lock = await signAs(page, ADMIN_EMAIL, 'Approval');
  await lock.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(lock).toBeHidden();
  const lockSignatures = page.getByRole('list', { name: 'Signatures' });
  await expect(lockSignatures).toContainText('Approval');
  await expect(lockSignatures.getByText('valid', { exact: true })).toBeVisible();
  await shotAtWidths(page, 'signatures-study-lock');
});
