import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { type APIRequestContext, expect } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './constants.ts';

/**
 * A study holding the CDISC pilot SDTM as it was published (every XPT of `sdtm-original`, zipped
 * and uploaded through the API), with a dashboard made from each built-in template. Made once per
 * server and found again by its code: the layout specs only read it. Its long arm names
 * ("Xanomeline High Dose"), long preferred terms and discontinuation reasons are what the demo
 * study's short ones never show.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const CODE = 'E2E-PILOT-SDTM';
const TEMPLATES = ['clinical-study-overview', 'site-monitoring', 'safety-review'];

export interface PilotSdtmStudy {
  /** The study's page, `/studies/<id>`. */
  path: string;
  /** Each template's dashboard page, by template id. */
  dashboards: Record<string, string>;
}

/** The pilot SDTM study of this server (uploaded and given its dashboards the first time). */
export async function pilotSdtmStudy(request: APIRequestContext): Promise<PilotSdtmStudy> {
  const login = await request.post('/api/auth/login', { data: { email: ADMIN_EMAIL, password: DEMO_PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const studyId = (await existingStudy(request, headers)) ?? (await uploadedStudy(request, headers));
  const list = await request.get(`/api/studies/${studyId}/dashboards`, { headers });
  expect(list.status(), await list.text()).toBe(200);
  const existing = (await list.json()).data as { id: string; name: string }[];
  const dashboards: Record<string, string> = {};
  for (const templateId of TEMPLATES) {
    const name = `Pilot ${templateId}`;
    let id = existing.find((d) => d.name === name)?.id;
    if (!id) {
      const made = await request.post(`/api/studies/${studyId}/dashboards`, {
        headers,
        data: { name, templateId },
        timeout: 60_000,
      });
      expect(made.status(), await made.text()).toBe(201);
      id = (await made.json()).data.id as string;
    }
    dashboards[templateId] = `/studies/${studyId}/dashboards/${id}`;
  }
  return { path: `/studies/${studyId}`, dashboards };
}

async function existingStudy(request: APIRequestContext, headers: Record<string, string>): Promise<string | undefined> {
  const res = await request.get('/api/studies', { headers });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()).data as { id: string; code: string }[]).find((s) => s.code === CODE)?.id;
}

async function uploadedStudy(request: APIRequestContext, headers: Record<string, string>): Promise<string> {
  const study = await request.post('/api/studies', {
    headers,
    data: { code: CODE, name: 'CDISC pilot SDTM', phase: 'III' },
  });
  expect(study.status(), await study.text()).toBe(201);
  const id = (await study.json()).data.id as string;
  const files = (await readdir(SDTM)).filter((file) => file.endsWith('.xpt')).sort();
  const zip = buildZip(
    await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(SDTM, name)) }))),
  );
  const upload = await request.post(`/api/studies/${id}/uploads`, {
    headers,
    multipart: { file: { name: 'sdtm-original.zip', mimeType: 'application/zip', buffer: zip } },
    // Eighteen XPT files converted on a busy 2-core machine can take longer than an action's 15 s.
    timeout: 180_000,
  });
  expect(upload.status(), await upload.text()).toBe(201);
  return id;
}
