import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HomeResponse, HomeStudy } from '@cdp/contracts';
import { buildStudy, grantRole } from '@cdp/db/testing';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { datasetFile } from '../../lib/study-folders.ts';

/*
 * The home page's per-study summary on the CDISC pilot: SDTM DM in one study, ADaM ADSL in
 * another. Subject counts are checked against the test's own DuckDB SQL over the stored Parquet,
 * uploads and problems against the metadata tables read with plain SQL.
 */

const PILOT = sharedData('cdiscpilot01');

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let sdtm: { id: string };
let adam: { id: string };
let empty: { id: string };

async function home(session: Session): Promise<HomeResponse> {
  const res = await t.request(session, { method: 'GET', url: '/api/home' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
async function nameOf(session: Session): Promise<string> {
  const { rows } = await t.admin.query('select name from users where id = $1', [session.user.id]);
  return rows[0].name;
}
const of = (answer: HomeResponse, id: string): HomeStudy | undefined => answer.data.find((s) => s.study.id === id);

async function upload(session: Session, studyId: string, name: string, data: Buffer) {
  return t.request(session, { method: 'POST', url: `/api/studies/${studyId}/uploads`, ...multipartFile(name, data) });
}

/** count(distinct USUBJID) of a stored dataset of the study's active version, by the test's own DuckDB. */
async function sqlSubjects(studyId: string, dataset: string): Promise<number> {
  const { rows } = await t.admin.query(
    `select d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from studies s join data_versions v on v.id = s.active_data_version_id
       join datasets d on d.version_id = v.id and d.name = $2 where s.id = $1`,
    [studyId, dataset],
  );
  const file = datasetFile(t.ctx.config.dataDir, rows[0], rows[0].label);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `select count(distinct USUBJID)::integer from read_parquet('${file}')`,
    );
    return Number(reader.getRowsJson()[0]?.[0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  sdtm = tenant.study;
  adam = await buildStudy(t.database, { orgId: tenant.org.id, code: 'HOME-ADAM', status: 'active' });
  empty = await buildStudy(t.database, { orgId: tenant.org.id, code: 'HOME-EMPTY', status: 'active' });
  await buildStudy(t.database, { orgId: tenant.org.id, code: 'HOME-ARCHIVED', status: 'archived' });

  const dm = buildZip([
    { name: 'dm.xpt', data: await readFile(path.join(PILOT, 'sdtm-original/dm.xpt')) },
    { name: 'ds.xpt', data: await readFile(path.join(PILOT, 'sdtm-original/ds.xpt')) },
  ]);
  expect((await upload(manager, sdtm.id, 'pilot-sdtm.zip', dm)).statusCode).toBe(201);
  const adsl = await readFile(path.join(PILOT, 'adam-tdf/adsl.xpt'));
  expect((await upload(manager, adam.id, 'adsl.xpt', adsl)).statusCode).toBe(201);
  const dashboard = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${sdtm.id}/dashboards`,
    payload: { name: 'Pilot overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  // A broken upload: refused, nothing loaded, but kept as an open problem.
  const broken = await upload(manager, sdtm.id, 'ae.xpt', Buffer.from('HEADER RECORD*******LIBRARY but not really'));
  expect(broken.statusCode).toBe(422);
});
afterAll(() => t?.close());

describe('GET /api/home', () => {
  it('lists the studies the user can see, archived ones left out, by code', async () => {
    const answer = await home(manager);
    const codes = answer.data.map((s) => s.study.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toContain('HOME-ADAM');
    expect(codes).not.toContain('HOME-ARCHIVED');
    expect(answer.total).toBe(3);
  });

  it('counts subjects in the active DM, or ADSL when there is no DM, as SQL does', async () => {
    const answer = await home(manager);
    const dmSubjects = await sqlSubjects(sdtm.id, 'DM');
    expect(dmSubjects).toBe(306);
    expect(of(answer, sdtm.id)?.data?.subjects).toEqual({ count: dmSubjects, dataset: 'DM' });
    const adslSubjects = await sqlSubjects(adam.id, 'ADSL');
    expect(adslSubjects).toBe(254);
    expect(of(answer, adam.id)?.data?.subjects).toEqual({ count: adslSubjects, dataset: 'ADSL' });
    expect(of(answer, empty.id)?.data).toMatchObject({ activeVersion: null, subjects: null, lastUpload: null });
  });

  it('shows the active version, when it was loaded and activated, the last upload and the open problems', async () => {
    const answer = await home(manager);
    const { rows } = await t.admin.query(
      `select v.id, v.label, v.created_at from data_versions v join studies s on s.active_data_version_id = v.id where s.id = $1`,
      [sdtm.id],
    );
    const data = of(answer, sdtm.id)?.data;
    const name = await nameOf(manager);
    // The study's first version became active as it was loaded (its activation event, if any, or its load).
    const { rows: activation } = await t.admin.query(
      `select max(created_at) as at from audit_events where org_id = $1 and action = 'data_version.activated'
          and resource_id = $2 and new_values ->> 'activeVersionId' = $3`,
      [tenant.org.id, sdtm.id, rows[0].id],
    );
    expect(data?.activeVersion).toEqual({
      id: rows[0].id,
      label: rows[0].label,
      source: { kind: 'upload', fileName: 'pilot-sdtm.zip' },
      loadedAt: rows[0].created_at.toISOString(),
      loadedBy: name,
      activatedAt: (activation[0].at ?? rows[0].created_at).toISOString(),
      activatedBy: name,
    });
    expect(data?.lastUpload).toMatchObject({ fileName: 'ae.xpt', outcome: 'failed', by: name });
    expect(data?.openProblems?.count).toBe(1);
    expect(data?.openProblems?.failedUploads[0]?.fileName).toBe('ae.xpt');
    expect(data?.openProblems?.failedUploads[0]?.message).toMatch(/ae\.xpt/);
    const { rows: audit } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'data_upload.failed'`,
      [tenant.org.id],
    );
    expect(audit).toEqual([
      { new_values: expect.objectContaining({ fileName: 'ae.xpt', errorCode: expect.any(String) }) },
    ]);
    expect(of(answer, sdtm.id)?.activity.map((a) => a.kind)).toEqual([
      'upload_failed',
      'dashboard_saved',
      'version_activated',
      'version_loaded',
    ]);
  });

  it('closes the problems once a later upload succeeds, and shows an activation with who did it', async () => {
    const again = buildZip([{ name: 'dm.xpt', data: await readFile(path.join(PILOT, 'sdtm-original/dm.xpt')) }]);
    const loaded = await upload(manager, sdtm.id, 'dm-again.zip', again);
    expect(loaded.statusCode).toBe(201);
    const admin = await tenant.as('org_admin');
    const activated = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${sdtm.id}/versions/${loaded.json().data.id}/activate`,
      payload: { reason: 'DM re-delivered' },
    });
    expect(activated.statusCode, activated.body).toBe(200);
    const data = of(await home(manager), sdtm.id)?.data;
    expect(data?.openProblems).toEqual({ count: 0, failedUploads: [] });
    expect(data?.lastUpload).toMatchObject({ fileName: 'dm-again.zip', outcome: 'loaded' });
    expect(data?.activeVersion).toMatchObject({
      source: { fileName: 'dm-again.zip' },
      loadedBy: await nameOf(manager),
      activatedBy: await nameOf(admin),
    });
    expect(data?.activeVersion?.activatedAt && data.activeVersion.activatedAt > data.activeVersion.loadedAt).toBe(true);
  });

  it('shows a study-limited monitor only that study, without uploads or problems; a study-only role sees no data', async () => {
    const monitor = await tenant.as('clinical_monitor', { studyId: sdtm.id });
    const answer = await home(monitor);
    expect(answer.data.map((s) => s.study.id)).toEqual([sdtm.id]);
    const [study] = answer.data;
    expect(study?.data?.subjects?.dataset).toBe('DM');
    expect(study?.data).toMatchObject({ lastUpload: null, openProblems: null });
    expect(study?.activity.every((a) => a.kind === 'dashboard_saved')).toBe(true);

    const admin = await tenant.as('org_admin');
    const role = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: { key: 'home_viewer', name: 'Viewer', permissions: ['study:view:assigned'] },
    });
    expect(role.statusCode).toBe(201);
    const viewer = await t.user({ orgId: tenant.org.id, role: 'home_viewer', studyId: adam.id });
    const session = await t.login(viewer.email);
    const only = await home({ ...session, user: viewer });
    expect(only.data).toEqual([
      expect.objectContaining({ study: expect.objectContaining({ id: adam.id }), data: null, activity: [] }),
    ]);
  });

  it('is refused to a user without any study role', async () => {
    const other = await t.tenant();
    const noStudies = await t.signIn({ orgId: other.org.id });
    const res = await t.request(noStudies, { method: 'GET', url: '/api/home' });
    expect(res.statusCode).toBe(403);
    await grantRole(t.database, noStudies.user, 'auditor', other.study.id);
  });
});
