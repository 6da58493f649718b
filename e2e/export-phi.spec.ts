import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { mainNav, shot, signIn } from './support/session.ts';

/*
 * Exports with PHI in clear, in the Export dialog: an administrator (cleared for PHI) exports a
 * listing of birth dates; a data scientist (not cleared) opening the dialog sees that export marked
 * "Contains PHI in clear", with its Download button disabled and the reason beside it.
 */

const SCIENTIST_EMAIL = 'scientist@demo.cdp.local';
const DM = `STUDYID,DOMAIN,USUBJID,BRTHDTC,SUBJINIT,AGE,SEX,ARM
PHX-E2E,DM,PX-001,1951-03-17,QJX,71,F,Placebo
PHX-E2E,DM,PX-002,1948-11-02,ZVW,75,M,Xanomeline High Dose
`;

test('an export holding PHI in clear is marked, and a reader not cleared for PHI cannot download it', async ({
  page,
  request,
}) => {
  const code = `PHX-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
  await test.step('a study, a classified DM, a listing dashboard and a cleared export (through the API)', async () => {
    const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
    const study = await request.post('/api/studies', { headers, data: { code, name: 'Export PHI', phase: 'II' } });
    expect(study.status(), await study.text()).toBe(201);
    const id = (await study.json()).data.id;
    const upload = await request.post(`/api/studies/${id}/uploads`, {
      headers,
      multipart: { file: { name: 'DM.csv', mimeType: 'text/csv', buffer: Buffer.from(DM) } },
    });
    expect(upload.status(), await upload.text()).toBe(201);
    for (const column of ['BRTHDTC', 'SUBJINIT']) {
      const res = await request.put(`/api/studies/${id}/phi-columns`, {
        headers,
        data: { dataset: 'DM', column, classification: 'phi' },
      });
      expect(res.status(), await res.text()).toBe(200);
    }
    const created = await request.post(`/api/studies/${id}/dashboards`, {
      headers,
      data: { name: 'Birth dates', templateId: 'clinical-study-overview' },
    });
    expect(created.status(), await created.text()).toBe(201);
    const dashboard = (await created.json()).data;
    const document = structuredClone(dashboard.document);
    const first = document.pages[0];
    const widgetId = Object.keys(first.widgets)[0] as string;
    first.widgets = {
      [widgetId]: {
        type: 'table',
        title: 'Subjects',
        optionsVersion: 1,
        options: { columns: ['USUBJID', 'BRTHDTC', 'SUBJINIT'] },
        data: { dataset: 'DM', mapping: {} },
      },
    };
    first.layout = first.layout.filter((l: { i: string }) => l.i === widgetId);
    document.pages = [first];
    const saved = await request.put(`/api/studies/${id}/dashboards/${dashboard.id}`, {
      headers,
      data: { version: dashboard.version, document, comment: 'A listing of birth dates' },
    });
    expect(saved.status(), await saved.text()).toBe(200);
    const queued = await request.post(`/api/studies/${id}/dashboards/${dashboard.id}/exports`, {
      headers,
      data: { format: 'xlsx' },
    });
    expect(queued.status(), await queued.text()).toBe(202);
    const exportId = (await queued.json()).data.id;
    await expect
      .poll(
        async () =>
          (
            await (
              await request.get(`/api/studies/${id}/dashboards/${dashboard.id}/exports/${exportId}`, { headers })
            ).json()
          ).data.status,
        { timeout: 60_000 },
      )
      .toBe('SUCCEEDED');
  });

  await test.step('the data scientist sees the export marked, and its download refused with the reason', async () => {
    await signIn(page, SCIENTIST_EMAIL, DEMO_PASSWORD);
    await mainNav(page).getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('link', { name: code }).first().click();
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Dashboards' }).click();
    await page
      .getByRole('link', { name: /Birth dates/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export dashboard' });
    const recent = dialog.getByRole('region', { name: 'Recent exports' });
    const item = recent.getByTestId('recent-export').first();
    await expect(item.getByTestId('clear-phi-badge')).toHaveText('Contains PHI in clear');
    await expect(item.getByRole('button', { name: /^Download/ })).toBeDisabled();
    await expect(item.getByTestId('download-refused')).toContainText('you are not cleared to see PHI on this study');
    await item.getByTestId('clear-phi-badge').focus();
    await expect(page.getByRole('tooltip')).toContainText('Only readers cleared for PHI');
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      await expect(item).toBeVisible();
      await shot(page, `export-phi-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});
