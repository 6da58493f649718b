import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildStudy } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { STUDY_SUBFOLDERS, studyDir } from '../../lib/study-folders.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const newStudy = {
  code: 'cdisc-pilot01',
  name: 'CDISC Pilot',
  phase: 'II',
  protocol: 'CDISCPILOT01',
  therapeuticArea: '',
};

describe('studies', () => {
  it('creates a study with its folders under DATA_DIR, upper-casing the code', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const res = await t.request(admin, { method: 'POST', url: '/api/studies', payload: newStudy });
    expect(res.statusCode).toBe(201);
    const { data, permissions } = res.json();
    expect(data).toMatchObject({
      code: 'CDISC-PILOT01',
      status: 'draft',
      protocol: 'CDISCPILOT01',
      therapeuticArea: null,
    });
    expect(permissions).toEqual(expect.arrayContaining(['study:manage:assigned', 'data:upload:assigned']));
    const dir = studyDir(t.ctx.config.dataDir, tenant.org.id, data.id);
    expect(dir).toBe(path.join(t.ctx.config.dataDir, 'studies', tenant.org.id, data.id));
    for (const sub of STUDY_SUBFOLDERS) expect(existsSync(path.join(dir, sub)), sub).toBe(true);

    const again = await t.request(admin, { method: 'GET', url: `/api/studies/${data.id}` });
    expect(again.json().data).toEqual(data);
  });

  it('keeps codes unique per organization (case-insensitive), and leaves no folder behind on failure', async () => {
    const a = await t.tenant();
    const b = await t.tenant();
    const adminA = await a.as('org_admin');
    const adminB = await b.as('org_admin');
    expect((await t.request(adminA, { method: 'POST', url: '/api/studies', payload: newStudy })).statusCode).toBe(201);
    const dup = await t.request(adminA, {
      method: 'POST',
      url: '/api/studies',
      payload: { ...newStudy, code: 'CDISC-Pilot01' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'CONFLICT', details: { issues: [{ path: 'body.code' }] } });
    const folders = await import('node:fs/promises').then((fs) =>
      fs.readdir(path.join(t.ctx.config.dataDir, 'studies', a.org.id)),
    );
    expect(folders).toHaveLength(1);
    // Another organization may use the same code.
    expect((await t.request(adminB, { method: 'POST', url: '/api/studies', payload: newStudy })).statusCode).toBe(201);
  });

  it('enforces max_studies with a clear message; archived studies do not count', async () => {
    const tenant = await t.tenant();
    await t.admin.query('update organizations set max_studies = 2 where id = $1', [tenant.org.id]);
    const admin = await tenant.as('org_admin');
    const create = (code: string) =>
      t.request(admin, { method: 'POST', url: '/api/studies', payload: { code, name: `Study ${code}`, phase: 'I' } });
    expect((await create('Q-1')).statusCode).toBe(201);
    const over = await create('Q-2');
    expect(over.statusCode).toBe(409);
    expect(over.json().error).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      details: { quota: 'max_studies', limit: 2, used: 2 },
    });
    expect(over.json().error.message).toMatch(/limit of 2 studies \(max_studies\)/);
    await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/status`,
      payload: { status: 'archived', reason: 'make room' },
    });
    expect((await create('Q-3')).statusCode).toBe(201);
  });

  it('moves through the allowed statuses only, each with a reason; archiving is final and audited', async () => {
    const tenant = await t.tenant();
    const manager = await tenant.as('study_manager');
    const study = await buildStudy(t.database, { orgId: tenant.org.id, status: 'draft' });
    const move = (status: string, reason?: string) =>
      t.request(manager, {
        method: 'POST',
        url: `/api/studies/${study.id}/status`,
        payload: reason === undefined ? { status } : { status, reason },
      });
    const noReason = await move('archived');
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.details.issues[0].path).toBe('body.reason');
    expect((await move('locked', 'too early')).json().error.code).toBe('INVALID_STATE');
    expect((await move('active', 'first patient in')).statusCode).toBe(200);
    expect((await move('locked', 'database lock')).statusCode).toBe(200);
    const archived = await move('archived', 'study completed');
    expect(archived.json().data).toMatchObject({ status: 'archived', archivedReason: 'study completed' });
    expect(archived.json().data.archivedAt).toBeTruthy();
    const after = await move('active', 'undo');
    expect(after.statusCode).toBe(409);
    expect(after.json().error.message).toMatch(/can no longer change/);
    const edit = await t.request(manager, {
      method: 'PATCH',
      url: `/api/studies/${study.id}`,
      payload: { name: 'New' },
    });
    expect(edit.json().error.code).toBe('INVALID_STATE');

    const { rows } = await t.admin.query(
      `select action, reason, old_values, new_values from audit_events where resource_id = $1 order by seq`,
      [study.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['study.status_changed', 'study.status_changed', 'study.archived']);
    expect(rows[2]).toMatchObject({ reason: 'study completed', old_values: { status: 'locked' } });
  });

  it('edits metadata and audits only what changed', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const res = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${tenant.study.id}`,
      payload: { therapeuticArea: 'Neurology', phase: 'III' },
    });
    expect(res.json().data).toMatchObject({ therapeuticArea: 'Neurology', phase: 'III' });
    const { rows } = await t.admin.query(
      `select old_values, new_values from audit_events where resource_id = $1 and action = 'study.updated'`,
      [tenant.study.id],
    );
    expect(rows[0]).toEqual({
      old_values: { therapeuticArea: null, phase: 'II' },
      new_values: { therapeuticArea: 'Neurology', phase: 'III' },
    });
  });

  it('keeps the enrollment plan: set on create, edited and cleared with audit, dates checked against each other', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const created = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: {
        ...newStudy,
        code: 'PLAN-1',
        plannedEnrollment: 300,
        plannedEnrollmentStart: '2024-01-15',
        plannedEnrollmentEnd: '2024-12-31',
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().data.id;
    expect(created.json().data).toMatchObject({
      plannedEnrollment: 300,
      plannedEnrollmentStart: '2024-01-15',
      plannedEnrollmentEnd: '2024-12-31',
    });

    // Both dates in one request: the request itself is refused, naming the field.
    const backwards = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${id}`,
      payload: { plannedEnrollmentStart: '2025-01-01', plannedEnrollmentEnd: '2024-06-01' },
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toMatch(/plannedEnrollmentEnd.*after its start/);
    // One date against the stored other one: refused too, and nothing written.
    const early = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${id}`,
      payload: { plannedEnrollmentEnd: '2023-12-31' },
    });
    expect(early.statusCode).toBe(400);
    expect(early.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(early.json().error.message).toContain('2023-12-31');
    const zero = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${id}`,
      payload: { plannedEnrollment: 0 },
    });
    expect(zero.statusCode).toBe(400);

    const edited = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${id}`,
      payload: { plannedEnrollment: 320, plannedEnrollmentEnd: null },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().data).toMatchObject({
      plannedEnrollment: 320,
      plannedEnrollmentStart: '2024-01-15',
      plannedEnrollmentEnd: null,
    });
    const { rows } = await t.admin.query(
      `select old_values, new_values from audit_events where resource_id = $1 and action = 'study.updated'`,
      [id],
    );
    expect(rows).toEqual([
      {
        old_values: { plannedEnrollment: 300, plannedEnrollmentEnd: '2024-12-31' },
        new_values: { plannedEnrollment: 320, plannedEnrollmentEnd: null },
      },
    ]);
  });

  it('shows a user only the studies they hold a role for; an organization-wide role sees all', async () => {
    const tenant = await t.tenant();
    const second = await buildStudy(t.database, { orgId: tenant.org.id });
    const monitor = await tenant.as('clinical_monitor', { studyId: second.id });
    const auditor = await tenant.as('auditor');
    const list = await t.request(monitor, { method: 'GET', url: '/api/studies' });
    expect(list.json().data.map((s: { code: string }) => s.code)).toEqual([second.code]);
    expect(list.json().meta.permissions).not.toContain('study:create:own');
    const hidden = await t.request(monitor, { method: 'GET', url: `/api/studies/${tenant.study.id}` });
    expect(hidden.statusCode).toBe(404);
    const seen = await t.request(monitor, { method: 'GET', url: `/api/studies/${second.id}` });
    expect(seen.json().permissions).toEqual([
      'study:view:assigned',
      'dashboard:view:assigned',
      'dashboard:export:assigned',
      'data:export:assigned',
      'review:perform:assigned',
    ]);
    const all = await t.request(auditor, { method: 'GET', url: '/api/studies' });
    expect(all.json().data).toHaveLength(2);
  });

  it('searches by code, name or protocol, and filters by status; SQL in the query is plain text', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'ONC-7', name: 'Lung cancer trial', phase: 'III' },
    });
    const find = async (q: string) =>
      (await t.request(admin, { method: 'GET', url: `/api/studies?${q}` }))
        .json()
        .data.map((s: { code: string }) => s.code);
    expect(await find('q=lung')).toEqual(['ONC-7']);
    expect(await find('status=draft')).toEqual(['ONC-7']);
    expect(await find(`q=${encodeURIComponent("'; drop table studies; --")}`)).toEqual([]);
    expect(await find('q=%25')).toEqual([]);
    expect((await find('')).length).toBe(2);
  });
});
