import type { AuditEvent, DataVersion } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';

/**
 * An audit row names its resource the way a person knows it (issue 9): the version's time and
 * source, the dataset's name, the dashboard's title. The label is written with the event, so it
 * survives renames and deletions, and it is covered by the hash (the chain still verifies).
 */

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let auditor: Session;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  auditor = await tenant.as('auditor');
});
afterAll(() => t.close());

async function events(action: string): Promise<AuditEvent[]> {
  const res = await t.request(auditor, { method: 'GET', url: `/api/audit?action=${action}&pageSize=500` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

/** `2026-12-06 08:51:02 UTC`, computed here from the version's own timestamp. */
function utc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

describe('audit resource labels', () => {
  it('name versions by study, time and file; datasets by name; dashboards and templates by title', async () => {
    const studyUrl = `/api/studies/${tenant.study.id}`;
    const up = async (name: string, body: string) => {
      const res = await t.request(manager, {
        method: 'POST',
        url: `${studyUrl}/uploads`,
        ...multipartFile(name, body),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data as DataVersion;
    };
    const first = await up('dm-first.csv', 'USUBJID,AGE\nS-1,40\n');
    const second = await up('dm-second.csv', 'USUBJID,AGE\nS-1,41\n');
    const activate = await t.request(manager, {
      method: 'POST',
      url: `${studyUrl}/versions/${second.id}/activate`,
      payload: { reason: 'Newer extract' },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    const download = await t.request(manager, {
      method: 'GET',
      url: `${studyUrl}/versions/${second.id}/datasets/${second.datasets[0]?.name}/download?format=csv`,
    });
    expect(download.statusCode, download.body).toBe(200);

    const created = await t.request(manager, {
      method: 'POST',
      url: `${studyUrl}/dashboards`,
      payload: { name: 'Safety review', templateId: 'clinical-study-overview' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const dashboard = created.json().data;
    const template = await t.request(manager, {
      method: 'POST',
      url: '/api/dashboard-templates',
      payload: { name: 'House overview', description: 'ours', studyId: tenant.study.id, dashboardId: dashboard.id },
    });
    expect(template.statusCode, template.body).toBe(201);
    const removeTemplate = await t.request(manager, {
      method: 'DELETE',
      url: `/api/dashboard-templates/${template.json().data.id}`,
    });
    expect(removeTemplate.statusCode, removeTemplate.body).toBe(204);
    const removeDashboard = await t.request(manager, {
      method: 'DELETE',
      url: `${studyUrl}/dashboards/${dashboard.id}`,
    });
    expect(removeDashboard.statusCode, removeDashboard.body).toBe(204);

    const code = tenant.study.code;
    const firstLabel = `${code} version of ${utc(first.createdAt)} (dm-first.csv)`;
    const secondLabel = `${code} version of ${utc(second.createdAt)} (dm-second.csv)`;
    expect((await events('data_version.created')).map((e) => e.resourceLabel).sort()).toEqual(
      [firstLabel, secondLabel].sort(),
    );
    // The first upload activates itself; the activation names the version it made active.
    expect((await events('data_version.activated')).map((e) => e.resourceLabel).sort()).toEqual(
      [firstLabel, secondLabel].sort(),
    );
    expect((await events('dataset.exported')).map((e) => e.resourceLabel)).toEqual([
      `${second.datasets[0]?.name} in ${secondLabel}`,
    ]);
    expect((await events('dashboard.created')).map((e) => e.resourceLabel)).toEqual(['Safety review']);
    // Deleted since: the label was written with the event and stays.
    expect((await events('dashboard.deleted')).map((e) => e.resourceLabel)).toEqual(['Safety review']);
    expect((await events('dashboard_template.created')).map((e) => e.resourceLabel)).toEqual(['House overview']);
    expect((await events('dashboard_template.deleted')).map((e) => e.resourceLabel)).toEqual(['House overview']);

    const verify = await t.request(auditor, { method: 'GET', url: '/api/audit/verify' });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('is covered by the hash: changing a stored label breaks the chain at that event', async () => {
    const [event] = await events('dashboard.created');
    expect(event).toBeDefined();
    const client = await t.admin.connect();
    try {
      // The superuser can switch triggers off; the chain still gives the edit away.
      await client.query('set session_replication_role = replica');
      await client.query(`update audit_events set resource_label = 'Something else' where org_id = $1 and seq = $2`, [
        tenant.org.id,
        event?.seq,
      ]);
    } finally {
      await client.query('set session_replication_role = origin');
      client.release();
    }
    const verify = await t.request(auditor, { method: 'GET', url: '/api/audit/verify' });
    expect(verify.json()).toMatchObject({ ok: false, firstBrokenSequence: event?.seq });
  });
});
