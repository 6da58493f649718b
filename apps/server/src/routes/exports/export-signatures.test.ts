import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  multipartFile,
  type Session,
  startTestApp,
  TEST_PASSWORD,
  type Tenant,
  type TestApp,
} from '../../../test/harness.ts';
import { canonicalJson } from '../../audit/canonical-json.ts';
import { runJob } from '../../jobs/run-job.ts';
import { studyDir } from '../../lib/study-folders.ts';

/*
 * Signing an export (21 CFR 11.50, 11.70): the signature binds to the export file's SHA-256; a
 * signed PDF gets a signed copy, the original's pages plus an "Electronic signatures" page that
 * prints the original's SHA-256, read back here with poppler's pdftotext; changing the file on
 * disk makes the signature verify as "changed".
 */

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let dashboardId: string;
let out: string;

const base = () => `/api/studies/${tenant.study.id}/dashboards/${dashboardId}`;

async function exported(
  format: 'pdf' | 'xlsx',
): Promise<{ id: string; body: Buffer; sha256: string; fileName: string }> {
  const queued = await t.request(manager, { method: 'POST', url: `${base()}/exports`, payload: { format } });
  expect(queued.statusCode, queued.body).toBe(202);
  const id = queued.json().data.id as string;
  await runJob(t.ctx, 'exports.render', { orgId: tenant.org.id, exportId: id });
  const status = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}` });
  expect(status.json().data.status, status.body).toBe('SUCCEEDED');
  const file = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}/file` });
  expect(file.statusCode).toBe(200);
  return { id, body: file.rawPayload, sha256: status.json().data.sha256, fileName: status.json().data.fileName };
}

function sign(session: Session, exportId: string, body: Record<string, unknown> = {}) {
  return t.request(session, {
    method: 'POST',
    url: '/api/signatures',
    payload: { resourceType: 'export', resourceId: exportId, meaning: 'Approval', password: TEST_PASSWORD, ...body },
  });
}

function pdfPages(file: string): string[] {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const count = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  return Array.from({ length: count }, (_, i) =>
    execFileSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    ),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  manager = await tenant.as('study_manager', { name: 'Sam Signer' });
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE,SEX\nS-001,63,F\nS-002,41,M\n'),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const dashboard = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Safety overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  dashboardId = dashboard.json().data.id;
  out = await mkdtemp(path.join(os.tmpdir(), 'cdp-export-signatures-'));
});
afterAll(() => t.close());

describe('signing an export', () => {
  it('binds to the file’s SHA-256, verifies valid, and the signed copy’s last page prints the original’s hash', async () => {
    const pdf = await exported('pdf');
    expect(createHash('sha256').update(pdf.body).digest('hex')).toBe(pdf.sha256);

    const res = await sign(manager, pdf.id, { email: manager.user.email, timeZone: 'America/New_York' });
    expect(res.statusCode, res.body).toBe(201);
    const signature = res.json().data;
    expect(signature).toMatchObject({
      resourceType: 'export',
      resourceId: pdf.id,
      resourceLabel: `Export ${pdf.fileName}`,
      signerName: 'Sam Signer',
      meaning: 'Approval',
    });
    // The link (11.70): computed here independently from the downloaded bytes.
    const expected = createHash('sha256')
      .update(canonicalJson({ type: 'export', id: pdf.id, sha256: pdf.sha256 }))
      .digest('hex');
    expect(signature.contentSha256).toBe(expected);

    const verify = await t.request(manager, { method: 'GET', url: `/api/signatures/${signature.id}/verify` });
    expect(verify.json().data).toMatchObject({ status: 'valid', currentSha256: expected });

    // The signed copy: recorded and audited when signed, served as a second file.
    const { rows: copies } = await t.admin.query(
      'select sha256, original_sha256, signature_ids, file_path from export_signed_copies where export_id = $1',
      [pdf.id],
    );
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ original_sha256: pdf.sha256, signature_ids: [signature.id] });
    const signedFile = await t.request(manager, { method: 'GET', url: `${base()}/exports/${pdf.id}/signed-file` });
    expect(signedFile.statusCode, signedFile.body).toBe(200);
    expect(signedFile.headers['content-type']).toBe('application/pdf');
    expect(String(signedFile.headers['content-disposition'])).toContain('(signed).pdf');
    expect(createHash('sha256').update(signedFile.rawPayload).digest('hex')).toBe(copies[0].sha256);
    const { rows: audit } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'export.signed_copy_made'`,
      [tenant.org.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].new_values).toMatchObject({
      exportId: pdf.id,
      originalSha256: pdf.sha256,
      sha256: copies[0].sha256,
    });

    const originalFile = path.join(out, 'original.pdf');
    const copyFile = path.join(out, 'signed.pdf');
    await writeFile(originalFile, pdf.body);
    await writeFile(copyFile, signedFile.rawPayload);
    const before = pdfPages(originalFile);
    const after = pdfPages(copyFile);
    expect(after).toHaveLength(before.length + 1);
    const last = after.at(-1) ?? '';
    expect(last).toContain('Electronic signatures');
    expect(last).toContain(`SHA-256 of the original file ${pdf.sha256}`);
    expect(last).toContain('Sam Signer — Approval');
    expect(last).toMatch(/Signed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (EST|EDT|GMT-5|GMT-4) \(America\/New_York\)/);
    expect(last).toContain('Verified: the record is unchanged since it was signed');
    expect(last).toContain(signature.id);

    // A second signature: the next download carries both (a new copy, recorded again).
    const review = await sign(manager, pdf.id, { meaning: 'Review' });
    expect(review.statusCode, review.body).toBe(201);
    const again = await t.request(manager, { method: 'GET', url: `${base()}/exports/${pdf.id}/signed-file` });
    await writeFile(copyFile, again.rawPayload);
    const both = pdfPages(copyFile).at(-1) ?? '';
    expect(both).toContain('Sam Signer — Approval');
    expect(both).toContain('Sam Signer — Review');
    // The original on the server is untouched by signing.
    const stored = await t.request(manager, { method: 'GET', url: `${base()}/exports/${pdf.id}/file` });
    expect(createHash('sha256').update(stored.rawPayload).digest('hex')).toBe(pdf.sha256);
  });

  it('a file changed on disk after signing verifies as "changed", and can no longer be signed', async () => {
    const pdf = await exported('pdf');
    const res = await sign(manager, pdf.id);
    expect(res.statusCode, res.body).toBe(201);
    const { rows } = await t.admin.query('select file_path from exports where id = $1', [pdf.id]);
    const file = path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id), rows[0].file_path);
    await appendFile(file, '\n% tampered\n');
    const verify = await t.request(manager, { method: 'GET', url: `/api/signatures/${res.json().data.id}/verify` });
    expect(verify.json().data).toMatchObject({ status: 'changed', message: 'the record changed after it was signed' });
    const tampered = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    expect(verify.json().data.currentSha256).toBe(
      createHash('sha256')
        .update(canonicalJson({ type: 'export', id: pdf.id, sha256: tampered }))
        .digest('hex'),
    );
    const refused = await sign(manager, pdf.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('no longer matches');
  });

  it('a spreadsheet export is signed without a signed copy; another organization’s export is 404', async () => {
    const xlsx = await exported('xlsx');
    const res = await sign(manager, xlsx.id);
    expect(res.statusCode, res.body).toBe(201);
    const copy = await t.request(manager, { method: 'GET', url: `${base()}/exports/${xlsx.id}/signed-file` });
    expect(copy.statusCode).toBe(409);
    expect(copy.json().error.message).toContain('Only a PDF export');

    const unsigned = await exported('pdf');
    const none = await t.request(manager, { method: 'GET', url: `${base()}/exports/${unsigned.id}/signed-file` });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.message).toContain('has not been signed');

    const other = await t.tenant();
    const stranger = await other.as('org_admin');
    const foreign = await sign(stranger, unsigned.id, { email: stranger.user.email });
    expect(foreign.statusCode).toBe(404);
  });

  it('an export still running is not signed (409), and nothing is counted', async () => {
    const queued = await t.request(manager, { method: 'POST', url: `${base()}/exports`, payload: { format: 'pdf' } });
    const res = await sign(manager, queued.json().data.id);
    expect(res.statusCode).toBe(409);
    const { rows } = await t.admin.query('select failed_login_count from users where id = $1', [manager.user.id]);
    expect(rows[0].failed_login_count).toBe(0);
    await runJob(t.ctx, 'exports.render', { orgId: tenant.org.id, exportId: queued.json().data.id });
  });
});
