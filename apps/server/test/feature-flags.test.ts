import { FEATURE_FLAG_KEYS, FEATURES, type FeatureFlag, type KnownFeatureFlag } from '@cdp/contracts';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';

/**
 * Feature flags tell the truth (issue 9): a switched-off feature's routes answer 403
 * FEATURE_DISABLED naming the flag; flags of features the product does not have are shown
 * nowhere and cannot be set.
 */

let t: TestApp;
let platform: Session;
let tenant: Tenant;
let manager: Session;
let admin: Session;
let dashboardId: string;

beforeAll(async () => {
  t = await startTestApp();
  platform = await t.login('platform@cdp.local');
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  admin = await tenant.as('org_admin');
  const created = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Exports', templateId: 'clinical-study-overview' },
  });
  dashboardId = created.json().data.id;
});
afterAll(() => t.close());

async function setFeature(flag: string, on: boolean) {
  return t.request(platform, {
    method: 'PATCH',
    url: `/api/platform/organizations/${tenant.org.id}`,
    payload: { features: { [flag]: on } },
  });
}

/** For every available flag: requests its feature answers, and a request of another feature. */
/** `as`: who makes the requests when the flag's routes need more than a study manager holds. */
const GATED: Record<FeatureFlag, { gated: () => InjectOptions[]; other: () => InjectOptions; as?: () => Session }> = {
  dashboards: {
    gated: () => [
      { method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards` },
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/dashboards`,
        payload: { name: 'X', templateId: 'clinical-study-overview' },
      },
      { method: 'GET', url: '/api/dashboard-templates' },
      { method: 'GET', url: '/api/widget-types' },
    ],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/versions` }),
  },
  data_uploads: {
    gated: () => [
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/uploads`,
        ...multipartFile('dm.csv', 'USUBJID,AGE\nS-1,40\n'),
      },
    ],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards` }),
  },
  pipelines: {
    gated: () => [
      { method: 'GET', url: `/api/studies/${tenant.study.id}/pipelines` },
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/pipelines/check`,
        payload: {
          kind: 'sql',
          body: {},
          inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
          outputs: ['x'],
        },
      },
    ],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards` }),
  },
  exports: {
    gated: () => [{ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards/${dashboardId}/exports` }],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards` }),
  },
  rave_connector: {
    gated: () => [
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/data-sources`,
        payload: {
          type: 'rave',
          name: `Rave ${Math.random().toString(36).slice(2)}`,
          config: { baseUrl: 'https://rave.invalid', username: 'rws', project: 'CDP01', environment: 'Prod' },
          secret: 'not-a-real-password',
        },
      },
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/data-sources/test`,
        payload: { type: 'rave', config: { baseUrl: 'https://rave.invalid', project: 'CDP01', environment: 'Prod' } },
      },
    ],
    // sFTP and folder sources stay reachable: the list answers while either flag is on.
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/data-sources` }),
  },
  sftp_connector: {
    gated: () => [
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/data-sources`,
        payload: {
          type: 'sftp',
          name: `sFTP ${Math.random().toString(36).slice(2)}`,
          config: { host: 'sftp.invalid', username: 'cdp', remoteDir: '/outgoing', pattern: '*.zip' },
          secret: 'not-a-real-password',
        },
      },
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/data-sources/test`,
        payload: { type: 'folder', config: { path: 'incoming' } },
      },
    ],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/data-sources` }),
  },
  electronic_signatures: {
    gated: () => [
      { method: 'GET', url: '/api/signatures/status' },
      { method: 'GET', url: `/api/signatures?resource=study:${tenant.study.id}` },
    ],
    other: () => ({ method: 'GET', url: '/api/studies' }),
  },
  scheduled_reports: {
    gated: () => [
      { method: 'GET', url: `/api/studies/${tenant.study.id}/scheduled-reports` },
      {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/scheduled-reports/preview-schedule`,
        payload: { schedule: { type: 'daily', time: '08:00', timeZone: 'UTC' } },
      },
    ],
    other: () => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboards` }),
  },
  public_api: {
    gated: () => [{ method: 'GET', url: '/api/api-keys' }],
    other: () => ({ method: 'GET', url: '/api/studies' }),
    as: () => admin,
  },
};

describe('feature flags', () => {
  it('cover every available flag in this test, so a new flag needs its routes listed here', () => {
    expect(Object.keys(GATED).sort()).toEqual([...FEATURE_FLAG_KEYS].sort());
  });

  it.each(FEATURE_FLAG_KEYS)('%s: switched off, its routes answer 403 FEATURE_DISABLED naming it', async (flag) => {
    const { gated, other } = GATED[flag];
    const who = GATED[flag].as?.() ?? manager;
    expect((await setFeature(flag, false)).statusCode).toBe(200);
    try {
      for (const request of gated()) {
        const res = await t.request(who, request);
        expect(res.statusCode, `${request.method} ${request.url}`).toBe(403);
        expect(res.json().error).toMatchObject({ code: 'FEATURE_DISABLED', details: { feature: flag } });
        expect(res.json().error.message).toContain(flag);
      }
      // Other features keep working.
      expect((await t.request(who, other())).statusCode).toBe(200);
      const me = (await t.request(who, { method: 'GET', url: '/api/me' })).json();
      expect(me.organization.features[flag]).toBe(false);
    } finally {
      expect((await setFeature(flag, true)).statusCode).toBe(200);
    }
    for (const request of gated()) {
      const res = await t.request(who, request);
      expect(res.statusCode, `${request.method} ${request.url}: ${res.body}`).toBeLessThan(300);
    }
  });

  const unavailable = (Object.keys(FEATURES) as KnownFeatureFlag[]).filter((key) => !FEATURES[key].available);

  it('shows only flags of features that exist, in every response that carries flags', async () => {
    expect(unavailable.length).toBeGreaterThan(0);
    const admin = await tenant.as('org_admin');
    const own = (await t.request(admin, { method: 'GET', url: '/api/organization' })).json().data;
    const me = (await t.request(admin, { method: 'GET', url: '/api/me' })).json().organization;
    const console = (
      await t.request(platform, { method: 'GET', url: `/api/platform/organizations/${tenant.org.id}` })
    ).json().data;
    const list = (await t.request(platform, { method: 'GET', url: '/api/platform/organizations' })).json().data;
    for (const features of [
      own.features,
      me.features,
      console.features,
      ...list.map((o: { features: unknown }) => o.features),
    ]) {
      expect(Object.keys(features).sort()).toEqual([...FEATURE_FLAG_KEYS].sort());
    }
  });

  it.each(unavailable)('refuses to set %s, whose feature does not exist yet', async (flag) => {
    const res = await setFeature(flag, true);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().error.details)).toContain(flag);
    const created = await t.request(platform, {
      method: 'POST',
      url: '/api/platform/organizations',
      payload: { code: `flags-${Date.now().toString(36)}`, name: 'Flags', features: { [flag]: false } },
    });
    expect(created.statusCode).toBe(400);
  });
});
