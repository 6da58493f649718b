import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn, signOut } from './support/session.ts';

/*
 * PHI end to end: an organization administrator loads a DM holding birth dates and initials into a
 * study of its own, confirms the suggested PHI columns, and sees them in clear with a PHI marker; a
 * data scientist sees them masked and cannot sort them; an auditor finds the administrator's reads
 * in the PHI access log and its monthly report.
 */

const SCIENTIST_EMAIL = 'scientist@demo.cdp.local';
const AUDITOR_EMAIL = 'auditor@demo.cdp.local';
const DM = `STUDYID,DOMAIN,USUBJID,BRTHDTC,SUBJINIT,AGE,SEX,ARM
PHI-E2E,DM,E2E-001,1951-03-17,QJX,71,F,Placebo
PHI-E2E,DM,E2E-002,1948-11-02,ZVW,75,M,Xanomeline High Dose
PHI-E2E,DM,E2E-003,1960-07-29,XQK,63,F,Xanomeline Low Dose
`;

async function openDm(page: Page, code: string) {
  await mainNav(page).getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: code }).first().click();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
  await page.getByRole('link', { name: 'DM', exact: true }).click();
  await expect(page.getByRole('table', { name: 'Rows of DM' }).getByRole('row')).toHaveCount(4);
}

test('PHI columns are classified, masked for those without the permission, and every clear read is logged', async ({
  page,
  request,
}) => {
  const code = `PHI-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  await test.step('a study with a DM holding birth dates and initials (through the API)', async () => {
    const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
    const study = await request.post('/api/studies', { headers, data: { code, name: 'PHI end to end', phase: 'II' } });
    expect(study.status(), await study.text()).toBe(201);
    const id = (await study.json()).data.id;
    const upload = await request.post(`/api/studies/${id}/uploads`, {
      headers,
      multipart: { file: { name: 'DM.csv', mimeType: 'text/csv', buffer: Buffer.from(DM) } },
    });
    expect(upload.status(), await upload.text()).toBe(201);
  });

  await test.step('the administrator confirms the suggested PHI columns', async () => {
    await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: code }).first().click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Data' }).click();
    const suggested = page.getByRole('list', { name: 'Suggested columns' });
    await expect(suggested).toContainText('DM.BRTHDTC');
    await expect(suggested).toContainText('DM.SUBJINIT');
    await shot(page, 'phi-10-suggestions');
    await page.getByRole('button', { name: 'Confirm DM.BRTHDTC as PHI' }).click();
    const classified = page.getByRole('table', { name: 'Classified columns' });
    // The suggestion list reflows once the first confirmation lands: click the second after it.
    await expect(classified.getByRole('row')).toHaveCount(2);
    await expect(suggested).not.toContainText('DM.BRTHDTC');
    await page.getByRole('button', { name: 'Confirm DM.SUBJINIT as PHI' }).click();
    await expect(classified.getByRole('row')).toHaveCount(3);
    await expect(page.getByText('Nothing left to confirm')).toBeVisible();
    await shot(page, 'phi-11-classified');
    for (const width of [1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await expect(classified).toBeVisible();
      await shot(page, `phi-11-classified-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step('the administrator sees the values in clear, marked PHI', async () => {
    await page.getByRole('link', { name: 'DM', exact: true }).click();
    const grid = page.getByRole('table', { name: 'Rows of DM' });
    await expect(grid.getByRole('columnheader', { name: /^BRTHDTC/ }).getByRole('img', { name: 'PHI' })).toBeVisible();
    await expect(grid).toContainText('1951-03-17');
    await expect(grid).toContainText('QJX');
    await shot(page, 'phi-12-clear');
    await signOut(page);
  });

  await test.step('a data scientist sees them masked and cannot sort on them', async () => {
    await signIn(page, SCIENTIST_EMAIL, DEMO_PASSWORD);
    await openDm(page, code);
    const grid = page.getByRole('table', { name: 'Rows of DM' });
    const header = grid.getByRole('columnheader', { name: /^BRTHDTC/ });
    await expect(header.getByRole('img', { name: 'PHI, masked' })).toBeVisible();
    await expect(grid).not.toContainText('1951-03-17');
    await expect(grid).not.toContainText('QJX');
    await expect(grid).toContainText('1951');
    await expect(grid).toContainText('[PHI]');
    await header.getByRole('button', { name: /^BRTHDTC(,|$)/ }).click();
    await expect(header).toHaveAttribute('aria-sort', 'none');
    await shot(page, 'phi-13-masked');
    await signOut(page);
  });

  await test.step('an auditor finds the administrator’s reads in the PHI access log', async () => {
    await signIn(page, AUDITOR_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'PHI access' }).click();
    await expect(page.getByRole('heading', { name: 'PHI access', level: 1 })).toBeVisible();
    const log = page.getByRole('table', { name: 'PHI access log' });
    await expect(log.getByRole('row').filter({ hasText: code }).first()).toContainText(ADMIN_EMAIL);
    await expect(log.getByRole('row').filter({ hasText: code }).first()).toContainText('BRTHDTC, SUBJINIT');
    await expect(page.getByRole('table', { name: 'PHI access per user and month' })).toContainText(ADMIN_EMAIL);
    await shot(page, 'phi-14-access-log');
    for (const width of [1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await expect(log).toBeVisible();
      await shot(page, `phi-15-access-log-${width}`);
    }
  });
});
