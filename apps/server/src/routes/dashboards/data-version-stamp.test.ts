import type { Dashboard } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/* The dashboard says which data it shows, and says so anew after an activation or a roll back. */

let t: TestApp;
let manager: Session;
let monitor: Session;
let studyId: string;
let orgId: string;

async function dashboardNamed(name: string): Promise<Dashboard> {
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name, templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function read(dashboard: Dashboard): Promise<Dashboard> {
  const res = await t.request(monitor, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function activate(versionId: string, reason: string) {
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/versions/${versionId}/activate`,
    payload: { reason },
  });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager', { name: 'Mara Manager' });
  monitor = await tenant.as('clinical_monitor');
});
afterAll(() => t.close());

describe('the data version on a dashboard', () => {
  it('is null before the study has data', async () => {
    const dashboard = await dashboardNamed('Empty');
    expect(dashboard.dataVersion).toBeNull();
    expect((await read(dashboard)).dataVersion).toBeNull();
  });

  it('names the source, the load and the activation, and changes with activate and roll back', async () => {
    const first = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 30, sites: 2, seed: 1 });
    const dashboard = await dashboardNamed('Overview');
    const initial = (await read(dashboard)).dataVersion;
    expect(initial).toMatchObject({
      id: first.version.id,
      label: first.version.label,
      source: { kind: 'demo', fileName: first.version.sourceFileName },
      loadedAt: first.version.createdAt.toISOString(),
      loadedBy: 'system',
      activation: 'first',
    });

    const second = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 40, sites: 2, seed: 2 });
    expect((await read(dashboard)).dataVersion?.id).toBe(first.version.id);
    await activate(second.version.id, 'Newer cut');
    const activated = (await read(dashboard)).dataVersion;
    expect(activated).toMatchObject({ id: second.version.id, activation: 'activated' });
    expect(activated?.activatedBy).toContain('Mara Manager');
    expect(Date.parse(activated?.activatedAt ?? '')).toBeGreaterThan(Date.parse(activated?.loadedAt ?? ''));

    await activate(first.version.id, 'Wrong cut');
    const rolledBack = (await read(dashboard)).dataVersion;
    expect(rolledBack).toMatchObject({ id: first.version.id, activation: 'rolled_back' });
    expect(rolledBack?.activatedBy).toContain('Mara Manager');
    expect(Date.parse(rolledBack?.activatedAt ?? '')).toBeGreaterThan(Date.parse(activated?.activatedAt ?? ''));
  });
});
