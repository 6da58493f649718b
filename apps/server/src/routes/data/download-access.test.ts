import { SYSTEM_ROLES, type SystemRoleKey } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';

/**
 * Downloading a dataset needs what viewing it needs plus export (docs/decisions.md). The expected
 * answers come from the seeded roles' grants, written out here by hand: the clinical monitor holds
 * data:export without data:view and so gets neither the rows nor a download.
 */
const EXPECTED: Record<Exclude<SystemRoleKey, 'platform_admin'>, { rows: number; download: number }> = {
  org_admin: { rows: 200, download: 200 },
  study_manager: { rows: 200, download: 200 },
  data_scientist: { rows: 200, download: 200 },
  clinical_monitor: { rows: 403, download: 403 },
  auditor: { rows: 403, download: 403 },
};

let t: TestApp;
let tenant: Tenant;
let base: string;

async function exportEvents(): Promise<number> {
  const { rows } = await t.admin.query(
    "SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1 AND action = 'dataset.exported'",
    [tenant.org.id],
  );
  return rows[0].n;
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  const manager = await tenant.as('study_manager');
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE\nS-1,63\nS-2,71\n'),
  });
  expect(res.statusCode, res.body).toBe(201);
  base = `/api/studies/${tenant.study.id}/versions/${res.json().data.id}/datasets/dm`;
});
afterAll(() => t.close());

describe('dataset download permission', () => {
  it('the seed still gives the clinical monitor data:export without data:view (the case this rule is for)', () => {
    expect(SYSTEM_ROLES.clinical_monitor.permissions).toContain('data:export:assigned');
    expect(SYSTEM_ROLES.clinical_monitor.permissions).not.toContain('data:view:assigned');
  });

  it.each(Object.entries(EXPECTED))('%s: rows and download answer as viewing + export says', async (role, expected) => {
    const session = await tenant.as(role as SystemRoleKey);
    const before = await exportEvents();
    const rows = await t.request(session, { method: 'GET', url: `${base}/rows` });
    expect(rows.statusCode, rows.body).toBe(expected.rows);
    for (const format of ['csv', 'parquet', 'xpt']) {
      const download = await t.request(session, { method: 'GET', url: `${base}/download?format=${format}` });
      expect(download.statusCode, `${format}: ${download.body.slice(0, 200)}`).toBe(expected.download);
      if (expected.download === 403) {
        expect(download.json().error.message).toMatch(/data:(view|export):assigned/);
      }
    }
    // A refused download is not an export: nothing lands in the audit trail as one.
    expect(await exportEvents()).toBe(before + (expected.download === 200 ? 3 : 0));
  });

  it.each([
    ['data:view only', ['study:view:assigned', 'data:view:assigned'], 200, 403, 'data:export:assigned'],
    ['data:export only', ['study:view:assigned', 'data:export:assigned'], 403, 403, 'data:view:assigned'],
  ] as const)('a custom role with %s', async (_, permissions, rowsStatus, downloadStatus, missing) => {
    const admin: Session = await tenant.as('org_admin');
    const key = `r_${Math.random().toString(36).slice(2, 8)}`;
    const created = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: { key, name: `Role ${key}`, permissions },
    });
    expect(created.statusCode, created.body).toBe(201);
    const session = await tenant.as(key as SystemRoleKey);
    expect((await t.request(session, { method: 'GET', url: `${base}/rows` })).statusCode).toBe(rowsStatus);
    const download = await t.request(session, { method: 'GET', url: `${base}/download?format=csv` });
    expect(download.statusCode).toBe(downloadStatus);
    expect(download.json().error.message).toContain(missing);
  });
});
