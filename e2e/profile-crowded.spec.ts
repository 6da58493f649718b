import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A crowded patient profile: CDISC pilot subject 01-717-1004 has 19 adverse events and 79
 * concomitant medications (counted with pandas on the shared SDTM). The medication lane folds into
 * one row until expanded; the time axis zooms; review badges stand beside medications and history
 * as beside AEs. Shot at 1440, 1024 and 390 px.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const SUBJECT = '01-717-1004';

test('a crowded profile: lanes fold and expand, the axis zooms, every section has review badges', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  let url = '';
  await test.step('a study with the pilot SDTM (API)', async () => {
    const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
    const code = `PR-${Date.now().toString(36).toUpperCase()}`.slice(0, 20);
    const study = await request.post('/api/studies', { headers, data: { code, name: 'Pilot profile', phase: 'III' } });
    expect(study.status(), await study.text()).toBe(201);
    const id = (await study.json()).data.id;
    const zip = buildZip(
      await Promise.all(
        ['dm.xpt', 'ae.xpt', 'cm.xpt', 'mh.xpt', 'ex.xpt', 'ds.xpt', 'sv.xpt'].map(async (name) => ({
          name,
          data: await readFile(path.join(SDTM, name)),
        })),
      ),
    );
    const upload = await request.post(`/api/studies/${id}/uploads`, {
      headers,
      multipart: { file: { name: 'sdtm.zip', mimeType: 'application/zip', buffer: zip } },
      timeout: 120_000,
    });
    expect(upload.status(), await upload.text()).toBe(201);
    url = `/studies/${id}/subjects/${SUBJECT}`;
  });

  await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
  await page.goto(url);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(SUBJECT);
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline.locator('canvas').first()).toBeVisible({ timeout: 30_000 });

  // 79 medications overlap into many rows: folded to one until the reader expands them.
  const meds = timeline.getByRole('button', { name: /con\. medications/ });
  await expect(meds).toHaveText(/Expand con\. medications\s*\(79\)/);
  const rows = timeline.locator('[data-timeline-rows]');
  const folded = Number(await rows.getAttribute('data-timeline-rows'));
  await meds.click();
  await expect(meds).toHaveText(/Fold con\. medications/);
  const expanded = Number(await rows.getAttribute('data-timeline-rows'));
  expect(expanded).toBeGreaterThan(folded + 5);
  await shot(page, 'profile-crowded-expanded-1440');
  await meds.click();
  await expect(rows).toHaveAttribute('data-timeline-rows', String(folded));

  // Review badges beside medications and medical history, as beside AEs.
  for (const name of ['Adverse events', 'Concomitant medications', 'Medical history']) {
    const table = page.getByRole('table', { name, exact: true });
    await expect(table.getByRole('columnheader', { name: 'Review' })).toBeVisible();
    await expect(table.locator('[data-review-record]').first()).toContainText('Not reviewed');
  }

  // Zoom: a wheel with Shift over the chart narrows the time axis (the slider shows the window).
  const box = await timeline.locator('canvas').first().boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, -600);
    await page.keyboard.up('Shift');
  }

  for (const [width, height] of [
    [1440, 900],
    [1024, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(400);
    await timeline.scrollIntoViewIfNeeded();
    await shot(page, `profile-crowded-timeline-${width}`, { fullPage: false });
    await shot(page, `profile-crowded-${width}`);
    expect(await layoutProblems(page), `layout at ${width}px`).toEqual([]);
  }
});
