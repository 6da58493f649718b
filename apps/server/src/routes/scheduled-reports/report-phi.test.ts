import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedData } from '@cdp/formats/testing';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import {
  exportDashboard,
  listingDashboard,
  runDueReport,
  uploadWithPhi,
  weeklyReport,
  xlsxCells,
} from '../../../test/phi-listing.ts';
import { runScheduledReport } from '../../reports/run-report.ts';

/*
 * HIPAA: e-mail is not an access-controlled channel, so a scheduled report's attachment is always
 * rendered as a reader without PHI clearance sees it, whoever owns the report. On the real PHUSE
 * statin DM (birth dates classified PHI and sealed at rest), a cleared study manager's scheduled
 * XLSX and PDF, and their test send, reach the SMTP peer on 127.0.0.1 with the birth dates masked
 * (years only), while the same manager's own export, made while signed in, holds them in clear.
 */

const DM_FILE = sharedData('csv', 'phuse-statin-sdtm-v0', 'dm.csv');

const received: ParsedMail[] = [];
let smtp: SMTPServer;
let t: TestApp;
let tenant: Tenant;
let orgId: string;
let studyId: string;
let manager: Session;
let dashboardId: string;
/** The file's birth dates (ISO), read here from the CSV itself. */
let births: string[] = [];
/** [USUBJID, BRTHDTC] per subject. */
let subjects: [string, string][] = [];
let scratch: string;

async function nextMail(): Promise<ParsedMail> {
  for (let i = 0; i < 200 && received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
  const mail = received.shift();
  if (!mail) throw new Error('no mail reached the SMTP peer');
  return mail;
}

async function pdfText(body: Buffer): Promise<string> {
  const file = path.join(scratch, `${received.length}-${Date.now()}.pdf`);
  await writeFile(file, body);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

const createReport = (format: 'xlsx' | 'pdf') =>
  weeklyReport(t, manager, studyId, { name: `Birth dates ${format}`, dashboardId, format });

/** Runs the report's due occurrence as the worker would; the run's id. */
const runDue = (reportId: string) => runDueReport(t, t.ctx, orgId, reportId);

/** The export row a run's file came from (matched by SHA-256), and the PHI access log rows naming the run. */
async function recordsOf(runId: string) {
  const { rows: runs } = await t.admin.query('select sha256 from scheduled_report_runs where id = $1', [runId]);
  const { rows: made } = await t.admin.query('select clear_phi from exports where org_id = $1 and sha256 = $2', [
    orgId,
    runs[0].sha256,
  ]);
  const { rows: logged } = await t.admin.query('select count(*)::int as n from phi_access_log where route = $1', [
    `job reports.run · run ${runId}`,
  ]);
  return { exports: made.map((r) => r.clear_phi as boolean), logged: logged[0].n as number };
}

async function ownExport(format: 'xlsx' | 'pdf'): Promise<Buffer> {
  const exportId = await exportDashboard(t, manager, { orgId, studyId }, dashboardId, format);
  const { rows } = await t.admin.query('select clear_phi from exports where id = $1', [exportId]);
  expect(rows[0].clear_phi, 'the signed-in export holds PHI in clear and says so').toBe(true);
  const file = await t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports/${exportId}/file`,
  });
  expect(file.statusCode).toBe(200);
  return file.rawPayload;
}

/** Birth dates shown on the first page of a listing (the PDF shows the first rows). */
const firstBirths = () => births.slice(0, 5);

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'cdp-report-phi-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await startTestApp({ smtpUrl: `smtp://127.0.0.1:${port}`, mailTimeoutMs: 5000 });
  tenant = await t.tenant();
  orgId = tenant.org.id;
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');

  const csv = await readFile(DM_FILE, 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',').map((h) => h.replaceAll('"', ''));
  const at = header.indexOf('BRTHDTC');
  // The file quotes every text field and has no commas inside them (checked: each line splits to the header's width).
  const records = lines.slice(1).map((l) => l.split(',').map((v) => v.replaceAll('"', '')));
  for (const r of records) expect(r).toHaveLength(header.length);
  births = records.map((r) => r[at] as string);
  subjects = records.map((r) => [r[header.indexOf('USUBJID')] as string, r[at] as string]);
  expect(births.filter((b) => /^\d{4}-\d{2}-\d{2}$/.test(b)).length).toBe(records.length);

  await uploadWithPhi(t, manager, { orgId, studyId }, 'dm.csv', csv, ['BRTHDTC']);

  dashboardId = await listingDashboard(t, manager, studyId, 'Birth dates', ['USUBJID', 'BRTHDTC', 'AGE']);
}, 180_000);

afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await rm(scratch, { recursive: true, force: true });
});

describe('mailed reports mask PHI whoever owns them', () => {
  it('XLSX: the attachment of a cleared owner holds years, not birth dates; their own export holds the dates', async () => {
    const reportId = await createReport('xlsx');
    const runId = await runDue(reportId);
    const mail = await nextMail();
    expect(mail.attachments).toHaveLength(1);
    const mailed = await xlsxCells(mail.attachments[0]?.content as Buffer);
    expect(mailed).toContain('ABC001');
    const shown = subjects.filter(([id]) => mailed.includes(id));
    expect(shown.length).toBeGreaterThan(10);
    for (const [id, birth] of subjects) {
      expect(mailed, `the mailed XLSX holds no clear birth date (${id})`).not.toContain(birth);
    }
    for (const [, birth] of shown) expect(mailed, 'a masked birth date reads as its year').toContain(birth.slice(0, 4));
    expect(await recordsOf(runId)).toEqual({ exports: [false], logged: 0 });

    const own = await xlsxCells(await ownExport('xlsx'));
    for (const [id, birth] of shown) {
      expect(own).toContain(id);
      expect(own, 'the signed-in export holds the clear birth date').toContain(birth);
    }
  }, 120_000);

  it('PDF: the attachment shows masked years, the owner’s own PDF the clear dates (pdftotext)', async () => {
    const reportId = await createReport('pdf');
    const runId = await runDue(reportId);
    const mail = await nextMail();
    const mailed = await pdfText(mail.attachments[0]?.content as Buffer);
    expect(mailed).toContain('ABC001');
    for (const birth of births) expect(mailed, `no clear birth date (${birth}) in the mailed PDF`).not.toContain(birth);
    expect(await recordsOf(runId)).toEqual({ exports: [false], logged: 0 });

    const own = await pdfText(await ownExport('pdf'));
    for (const birth of firstBirths()) expect(own, 'the signed-in PDF holds the clear birth date').toContain(birth);
  }, 120_000);

  it('a test send, mailed to the cleared tester only, is masked too', async () => {
    const reportId = await createReport('xlsx');
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/scheduled-reports/${reportId}/test`,
    });
    expect(res.statusCode, res.body).toBe(202);
    const runId = res.json().data.runId as string;
    expect(await runScheduledReport(t.ctx, { orgId, runId })).toMatchObject({ status: 'sent' });
    const mailed = await xlsxCells((await nextMail()).attachments[0]?.content as Buffer);
    for (const birth of births) expect(mailed).not.toContain(birth);
    expect(mailed).toContain(births[0]?.slice(0, 4));
  }, 120_000);

  it('a failed run whose file was rendered with PHI in clear (before masking) is not resent', async () => {
    const reportId = await createReport('xlsx');
    const runId = await runDue(reportId);
    await nextMail();
    // As a run from before mailed reports were masked: its export is flagged clear (what migration 0022 does).
    const { rows } = await t.admin.query('select sha256 from scheduled_report_runs where id = $1', [runId]);
    await t.admin.query('update exports set clear_phi = true where org_id = $1 and sha256 = $2', [
      orgId,
      rows[0].sha256,
    ]);
    await t.admin.query(`update scheduled_report_runs set status = 'failed' where id = $1`, [runId]);
    const resend = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/scheduled-reports/${reportId}/runs/${runId}/resend`,
    });
    expect(resend.statusCode, resend.body).toBe(202);
    const again = resend.json().data.runId as string;
    expect(await runScheduledReport(t.ctx, { orgId, runId: again })).toMatchObject({ status: 'failed' });
    const { rows: done } = await t.admin.query('select status, error from scheduled_report_runs where id = $1', [
      again,
    ]);
    expect(done[0].status).toBe('failed');
    expect(done[0].error).toContain('rendered with PHI in clear');
    expect(received).toHaveLength(0);
  }, 120_000);
});
