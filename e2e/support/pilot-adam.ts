import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { PILOT_ADAE_EXPLORER_DATA } from '@cdp/widgets/testing';
import { type APIRequestContext, expect } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './constants.ts';

/**
 * A study holding the CDISC pilot ADaM (ADSL, ADAE, ADTTE from adam-tdf), uploaded through the API
 * once per server and found again by its code by every later spec (ae-explorer-filters,
 * review-ae-km), and a dashboard of the spec's own document in it. The specs only read the study:
 * what one changes (widget options, sorting) lives in its own dashboard's URL.
 */

const ADAM = sharedData('cdiscpilot01', 'adam-tdf');
const CODE = 'E2E-PILOT-ADAM';

/** The field mapping of an AE explorer over ADAE with ADSL as its population, as both specs use it. */
export const ADAE_EXPLORER_DATA = PILOT_ADAE_EXPLORER_DATA;

/** Makes a dashboard of `document` in the pilot ADaM study (uploading the study first if this server has none) and returns its page's path. */
export async function pilotAdamDashboard(request: APIRequestContext, name: string, document: unknown): Promise<string> {
  const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const studyId = (await existingStudy(request, headers)) ?? (await uploadedStudy(request, headers));
  const dashboard = await request.post(`/api/studies/${studyId}/dashboards`, {
    headers,
    data: { name, document },
    timeout: 60_000,
  });
  expect(dashboard.status(), await dashboard.text()).toBe(201);
  return `/studies/${studyId}/dashboards/${(await dashboard.json()).data.id}`;
}

async function existingStudy(request: APIRequestContext, headers: Record<string, string>): Promise<string | undefined> {
  const res = await request.get('/api/studies', { headers });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()).data as { id: string; code: string }[]).find((s) => s.code === CODE)?.id;
}

async function uploadedStudy(request: APIRequestContext, headers: Record<string, string>): Promise<string> {
  const study = await request.post('/api/studies', {
    headers,
    data: { code: CODE, name: 'CDISC pilot ADaM', phase: 'III' },
  });
  expect(study.status(), await study.text()).toBe(201);
  const id = (await study.json()).data.id as string;
  const zip = buildZip(
    await Promise.all(
      ['adsl.xpt', 'adae.xpt', 'adtte.xpt'].map(async (file) => ({
        name: file,
        data: await readFile(path.join(ADAM, file)),
      })),
    ),
  );
  const upload = await request.post(`/api/studies/${id}/uploads`, {
    headers,
    multipart: { file: { name: 'adam.zip', mimeType: 'application/zip', buffer: zip } },
    // Converting three XPT files on a busy 2-core machine can take longer than an action's 15 s.
    timeout: 120_000,
  });
  expect(upload.status(), await upload.text()).toBe(201);
  return id;
}
