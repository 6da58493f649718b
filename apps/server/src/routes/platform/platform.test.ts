import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';

let t: TestApp;
let platform: Session;
beforeAll(async () => {
  t = await startTestApp();
  platform = await t.login('platform@cdp.local');
});
afterAll(() => t.close());

const code = () => `acme-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

describe('platform console', () => {
  it('creates a tenant with features, quotas and a first administrator who must change the password', async () => {
    const orgCode = code();
    const res = await t.request(platform, {
      method: 'POST',
      url: '/api/platform/organizations',
      payload: {
        code: orgCode,
        name: 'Acme Biotech',
        features: { dashboards: false },
        quotas: { maxStudies: 3, maxUsers: 10 },
        admin: { email: `owner@${orgCode}.example`, name: 'Olive Owner', temporaryPassword: 'First-Login-Pass-31' },
      },
    });
    expect(res.statusCode).toBe(201);
    const org = res.json().data;
    expect(org).toMatchObject({
      code: orgCode,
      kind: 'tenant',
      status: 'active',
      quotas: { maxStudies: 3, maxUsers: 10 },
      usage: { studies: 0, users: 1 },
    });
    expect(org.features).toEqual({
      dashboards: false,
      data_uploads: true,
      pipelines: true,
      public_api: true,
      electronic_signatures: true,
      exports: true,
      rave_connector: true,
      scheduled_reports: true,
      sftp_connector: true,
    });

    const owner = await t.login(`owner@${orgCode}.example`, 'First-Login-Pass-31');
    expect(owner.response.json().user).toMatchObject({ orgId: org.id, mustChangePassword: true });
    const me = (await t.request(owner, { method: 'GET', url: '/api/me' })).json();
    expect(me.grants.map((g: { roleKey: string }) => g.roleKey)).toEqual(['org_admin']);

    // Recorded in both the platform's and the new tenant's trail.
    const { rows } = await t.admin.query(
      `select o.kind from audit_events e join organizations o on o.id = e.org_id
       where e.action = 'organization.created' and e.resource_id = $1 order by o.kind`,
      [org.id],
    );
    expect(rows.map((r) => r.kind)).toEqual(['platform', 'tenant']);

    const dup = await t.request(platform, {
      method: 'POST',
      url: '/api/platform/organizations',
      payload: { code: orgCode, name: 'Again' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.details.issues[0].path).toBe('body.code');
  });

  it('updates name, features and quotas; lists organizations with usage', async () => {
    const created = (
      await t.request(platform, {
        method: 'POST',
        url: '/api/platform/organizations',
        payload: { code: code(), name: 'Beta Pharma' },
      })
    ).json().data;
    const res = await t.request(platform, {
      method: 'PATCH',
      url: `/api/platform/organizations/${created.id}`,
      payload: { name: 'Beta Pharma AG', features: { data_uploads: false }, quotas: { maxUsers: 5 } },
    });
    expect(res.json().data).toMatchObject({
      name: 'Beta Pharma AG',
      quotas: { maxUsers: 5, maxStudies: null },
      features: { data_uploads: false },
    });
    const unset = await t.request(platform, {
      method: 'PATCH',
      url: `/api/platform/organizations/${created.id}`,
      payload: { quotas: { maxUsers: null } },
    });
    expect(unset.json().data.quotas).toEqual({ maxStudies: null, maxUsers: null });
    const bad = await t.request(platform, {
      method: 'PATCH',
      url: `/api/platform/organizations/${created.id}`,
      payload: { features: { teleportation: true } },
    });
    expect(bad.statusCode).toBe(400);
    const list = (await t.request(platform, { method: 'GET', url: '/api/platform/organizations' })).json().data;
    expect(list[0].kind).toBe('platform');
    expect(list.find((o: { id: string }) => o.id === created.id)).toMatchObject({ usage: { studies: 0, users: 0 } });
  });

  it('deactivating a tenant signs its users out and keeps them out until reactivated', async () => {
    const tenant = await t.tenant();
    const user = await tenant.as('data_scientist');
    const off = await t.request(platform, {
      method: 'POST',
      url: `/api/platform/organizations/${tenant.org.id}/deactivate`,
      payload: { reason: 'contract ended' },
    });
    expect(off.json().data).toMatchObject({ status: 'deactivated', deactivatedReason: 'contract ended' });
    expect((await t.request(user, { method: 'GET', url: '/api/studies' })).statusCode).toBe(401);
    expect((await t.login(user.user.email)).response.json().error.code).toBe('ACCOUNT_DISABLED');
    const on = await t.request(platform, {
      method: 'POST',
      url: `/api/platform/organizations/${tenant.org.id}/reactivate`,
      payload: { reason: 'renewed' },
    });
    expect(on.json().data.status).toBe('active');
    expect((await t.login(user.user.email)).response.statusCode).toBe(200);
    const self = await t.request(platform, {
      method: 'POST',
      url: `/api/platform/organizations/${platform.user.orgId}/deactivate`,
      payload: { reason: 'not allowed' },
    });
    expect(self.json().error.code).toBe('INVALID_STATE');
  });

  it('looking at a tenant’s users is recorded in that tenant’s audit trail', async () => {
    const tenant = await t.tenant();
    const auditor = await tenant.as('auditor');
    const res = await t.request(platform, { method: 'GET', url: `/api/platform/organizations/${tenant.org.id}/users` });
    expect(res.json().data.map((u: { email: string }) => u.email)).toEqual([auditor.user.email]);
    const trail = (await t.request(auditor, { method: 'GET', url: '/api/audit?action=platform.tenant_viewed' })).json();
    expect(trail.page.total).toBe(1);
    expect(trail.data[0].actor.label).toBe('platform@cdp.local');
  });
});

describe('own organization', () => {
  it('an org admin reads and renames their organization; quotas and features are read-only to them', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const org = (await t.request(admin, { method: 'GET', url: '/api/organization' })).json();
    expect(org.data.id).toBe(tenant.org.id);
    expect(org.permissions).toEqual(['organization:manage:own']);
    const renamed = await t.request(admin, {
      method: 'PATCH',
      url: '/api/organization',
      payload: { name: 'Renamed Org' },
    });
    expect(renamed.json().data.name).toBe('Renamed Org');
    const quota = await t.request(admin, {
      method: 'PATCH',
      url: '/api/organization',
      payload: { name: 'X Y', maxStudies: 100 },
    });
    expect(quota.statusCode).toBe(400);
    const me = (await t.request(admin, { method: 'GET', url: '/api/me' })).json();
    expect(me.organization.name).toBe('Renamed Org');
  });
});
