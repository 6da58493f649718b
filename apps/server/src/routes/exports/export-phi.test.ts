import path from 'node:path';
import { TENANT_PERMISSIONS, VIEW_PHI } from '@cdp/contracts';
import { grantRole } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import {
  exportDashboard,
  listingDashboard,
  runDueReport,
  type StudyRef,
  uploadWithPhi,
  weeklyReport,
  xlsxCells,
} from '../../../test/phi-listing.ts';
import type { AppContext } from '../../lib/context.ts';

/*
 * HIPAA: an export rendered for a reader cleared for PHI holds PHI in clear, so its file (and its
 * signed copy) is served only to readers cleared for PHI on the study. The export row says so
 * (`clear_phi`, written with SUCCEEDED); a colleague who may export the dashboard but not see PHI
 * gets a 403 saying why, and can make their own, masked, export. The XLSX cells prove which is which.
 */

const SUBJECTS = [
  ['PHX-001', '1951-03-17', 'QJX', 71],
  ['PHX-002', '1948-11-02', 'ZVW', 75],
] as const;
const DM_CSV = `STUDYID,DOMAIN,USUBJID,BRTHDTC,SUBJINIT,AGE,SEX,ARM\n${SUBJECTS.map(
  ([id, birth, initials, age]) => `PHX,DM,${id},${birth},${initials},${age},F,Placebo`,
).join('\n')}\n`;
const REFUSAL =
  'This export shows protected health information in clear; you are not cleared to see PHI on this study. Export the dashboard yourself to get a copy with PHI masked.';

let t: TestApp;
let tenant: Tenant;
let orgId: string;
let studyId: string;
/** Cleared for PHI (study manager). */
let a: Session;
/** Every tenant permission (so dashboard:export) but data:view_phi:assigned. */
let b: Session;
let phiDashboard: string;
let plainDashboard: string;

const study = (): StudyRef => ({ orgId, studyId });
const exportAs = (session: Session, dashboardId: string) => exportDashboard(t, session, study(), dashboardId);

async function row(exportId: string): Promise<{ status: string; clear_phi: boolean }> {
  const { rows } = await t.admin.query('select status, clear_phi from exports where id = $1', [exportId]);
  return rows[0];
}

const fileUrl = (dashboardId: string, exportId: string, what: 'file' | 'signed-file' | '' = 'file') =>
  `/api/studies/${studyId}/dashboards/${dashboardId}/exports/${exportId}${what ? `/${what}` : ''}`;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  orgId = tenant.org.id;
  studyId = tenant.study.id;
  a = await tenant.as('study_manager');
  const admin = await tenant.as('org_admin');
  const role = await t.request(admin, {
    method: 'POST',
    url: '/api/roles',
    payload: { key: 'no_phi', name: 'No PHI', permissions: TENANT_PERMISSIONS.filter((p) => p !== VIEW_PHI) },
  });
  expect(role.statusCode, role.body).toBe(201);
  const plain = await tenant.as('auditor');
  await grantRole(t.database, plain.user, 'no_phi');
  b = { ...(await t.login(plain.user.email)), user: plain.user };

  await uploadWithPhi(t, a, study(), 'dm.csv', DM_CSV, ['BRTHDTC', 'SUBJINIT']);
  phiDashboard = await listingDashboard(t, a, studyId, 'Birth dates', ['USUBJID', 'BRTHDTC', 'SUBJINIT']);
  plainDashboard = await listingDashboard(t, a, studyId, 'Ages', ['USUBJID', 'AGE']);
}, 120_000);

afterAll(() => t?.close());

describe('exports with PHI in clear', () => {
  it("a cleared user's export is flagged clear_phi and served to cleared readers only", async () => {
    const exportId = await exportAs(a, phiDashboard);
    expect(await row(exportId)).toEqual({ status: 'SUCCEEDED', clear_phi: true });

    const mine = await t.request(a, { method: 'GET', url: fileUrl(phiDashboard, exportId) });
    expect(mine.statusCode).toBe(200);
    const cells = await xlsxCells(mine.rawPayload);
    expect(cells).toContain('PHX-001');
    for (const [, birth, initials] of SUBJECTS) {
      expect(cells, 'the cleared export holds the clear birth date').toContain(birth);
      expect(cells).toContain(initials);
    }

    const refused = await t.request(b, { method: 'GET', url: fileUrl(phiDashboard, exportId) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', message: REFUSAL });
    expect(refused.body).not.toContain('1951-03-17');
    const signed = await t.request(b, { method: 'GET', url: fileUrl(phiDashboard, exportId, 'signed-file') });
    expect(signed.statusCode).toBe(403);
    expect(signed.json().error.message).toBe(REFUSAL);

    // The export's JSON says so, to each reader.
    const status = await t.request(b, { method: 'GET', url: fileUrl(phiDashboard, exportId, '') });
    expect(status.statusCode).toBe(200);
    expect(status.json().data).toMatchObject({ clearPhi: true, available: true, downloadRefused: REFUSAL });
    const listed = await t.request(b, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${phiDashboard}/exports`,
    });
    expect(listed.json().data.find((e: { id: string }) => e.id === exportId)).toMatchObject({
      clearPhi: true,
      downloadRefused: REFUSAL,
    });
    const own = await t.request(a, { method: 'GET', url: fileUrl(phiDashboard, exportId, '') });
    expect(own.json().data).toMatchObject({ clearPhi: true, downloadRefused: null });
  }, 60_000);

  it("an uncleared user's export is masked, not flagged, and anyone who may export the dashboard downloads it", async () => {
    const exportId = await exportAs(b, phiDashboard);
    expect(await row(exportId)).toEqual({ status: 'SUCCEEDED', clear_phi: false });
    for (const session of [a, b]) {
      const file = await t.request(session, { method: 'GET', url: fileUrl(phiDashboard, exportId) });
      expect(file.statusCode).toBe(200);
      const cells = await xlsxCells(file.rawPayload);
      expect(cells).toContain('PHX-001');
      for (const [, birth, initials] of SUBJECTS) {
        expect(cells, 'the masked export has no clear birth date').not.toContain(birth);
        expect(cells).not.toContain(initials);
        expect(cells, 'a masked date reads as its year').toContain(birth.slice(0, 4));
      }
      expect(cells).toContain('[PHI]');
      expect(file.rawPayload.toString('latin1')).not.toContain('1951-03-17');
    }
    const status = await t.request(b, { method: 'GET', url: fileUrl(phiDashboard, exportId, '') });
    expect(status.json().data).toMatchObject({ clearPhi: false, downloadRefused: null });
  }, 60_000);

  it('a dashboard that reads no PHI column is not flagged, even when a cleared user exports it', async () => {
    const exportId = await exportAs(a, plainDashboard);
    expect(await row(exportId)).toEqual({ status: 'SUCCEEDED', clear_phi: false });
    const file = await t.request(b, { method: 'GET', url: fileUrl(plainDashboard, exportId) });
    expect(file.statusCode).toBe(200);
    const cells = await xlsxCells(file.rawPayload);
    expect(cells).toContain('PHX-002');
    expect(cells).toContain('75');
  }, 60_000);

  it('another organization gets a 404 for a clear-PHI export, never the 403 that would tell it exists', async () => {
    const exportId = await exportAs(a, phiDashboard);
    expect((await row(exportId)).clear_phi).toBe(true);
    const other = await t.tenant();
    const stranger = await other.as('org_admin');
    const foreign = await t.request(stranger, { method: 'GET', url: fileUrl(phiDashboard, exportId) });
    expect(foreign.statusCode).toBe(404);
    const foreignSigned = await t.request(stranger, {
      method: 'GET',
      url: fileUrl(phiDashboard, exportId, 'signed-file'),
    });
    expect(foreignSigned.statusCode).toBe(404);
  }, 60_000);

  it("a scheduled report's linked file is masked (mail is not access-controlled); one rendered in clear before that is served to cleared readers only", async () => {
    const reportId = await weeklyReport(t, a, studyId, {
      name: 'Birth dates weekly',
      dashboardId: phiDashboard,
      format: 'xlsx',
    });
    // Over the attachment limit, without SMTP: the run keeps the file and the mail carries a link.
    const linked: AppContext = { ...t.ctx, config: { ...t.ctx.config, smtpUrl: null, reportAttachmentMaxBytes: 10 } };
    const runId = await runDueReport(t, linked, orgId, reportId);
    const url = `/api/studies/${studyId}/scheduled-reports/${reportId}/runs/${runId}/file`;
    // The owner is cleared, yet the report's file is masked: anyone who may export the dashboard opens it.
    for (const session of [a, b]) {
      const file = await t.request(session, { method: 'GET', url });
      expect(file.statusCode, file.body).toBe(200);
      const cells = await xlsxCells(file.rawPayload);
      expect(cells).toContain('PHX-001');
      expect(cells).not.toContain('1951-03-17');
      expect(cells).toContain('1951');
    }

    // A run from before mailed reports were masked names a file rendered in clear: cleared readers only.
    const clearExport = await exportAs(a, phiDashboard);
    const { rows: made } = await t.admin.query('select sha256, file_path from exports where id = $1', [clearExport]);
    await t.admin.query('update scheduled_report_runs set sha256 = $2, file_path = $3 where id = $1', [
      runId,
      made[0].sha256,
      path.join(t.ctx.config.dataDir, 'studies', orgId, studyId, made[0].file_path),
    ]);
    const mine = await t.request(a, { method: 'GET', url });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(await xlsxCells(mine.rawPayload)).toContain('1951-03-17');
    const refused = await t.request(b, { method: 'GET', url });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toBe(REFUSAL);
  }, 60_000);
});
