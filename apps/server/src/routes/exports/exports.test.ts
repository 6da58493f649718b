import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WidgetDataResponse } from '@cdp/contracts';
import { sharedData } from '@cdp/formats/testing';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';
import { runJob } from '../../jobs/run-job.ts';

/*
 * Dashboard exports of the Clinical Study Overview on the CDISC pilot's original SDTM, uploaded
 * as a user would, read back as a user's software reads them: the PDF's text (poppler's
 * pdftotext) and pages (pdftoppm), the PPTX's chart XML (unzipped), the XLSX's cells (exceljs).
 * The numbers must be the API's for the same filters, and the headline ones are computed here
 * independently with plain SQL over the stored Parquet.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const hasData = existsSync(path.join(SDTM, 'dm.xpt'));
if (!hasData) console.warn(`export tests skipped: ${SDTM} is absent (see the shared data README)`);

const FEMALE = [{ field: 'sex', op: 'in', value: ['F'] }];

let t: TestApp;
let manager: Session;
let auditor: Session;
let studyId: string;
let dashboardId: string;
let orgId: string;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;
let out: string;

const base = () => `/api/studies/${studyId}/dashboards/${dashboardId}`;

async function pageData(
  filters: unknown[] = [],
): Promise<Map<string, { data?: WidgetDataResponse; error?: { message: string } }>> {
  const res = await t.request(manager, {
    method: 'GET',
    url: `${base()}/data?filters=${encodeURIComponent(JSON.stringify(filters))}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return new Map(res.json().data.widgets.map((w: { id: string }) => [w.id, w]));
}

/** Queues an export, runs its job as a worker would, and downloads the file. */
async function exported(payload: Record<string, unknown>) {
  const queued = await t.request(manager, { method: 'POST', url: `${base()}/exports`, payload });
  expect(queued.statusCode, queued.body).toBe(202);
  const id = queued.json().data.id as string;
  expect(queued.json().data.status).toBe('QUEUED');
  await runJob(t.ctx, 'exports.render', { orgId, exportId: id });
  const status = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}` });
  expect(status.json().data, status.body).toMatchObject({
    status: 'SUCCEEDED',
    available: true,
    progress: { done: 1, total: 1 },
  });
  const file = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}/file` });
  expect(file.statusCode).toBe(200);
  const body = file.rawPayload;
  expect(status.json().data.bytes).toBe(body.length);
  expect(status.json().data.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  return { id, body, headers: file.headers, record: status.json().data };
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, studyId, orgId, manager } = pilot);
  auditor = await pilot.tenant.as('auditor');
  dashboardId = (await pilot.dashboard('Pilot overview', { templateId: 'clinical-study-overview' })).id;
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM'], { numbers: true }));
  out = await mkdtemp(path.join(os.tmpdir(), 'cdp-exports-'));
});
afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

function pdfText(file: string, page?: number): string {
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

describe.skipIf(!hasData)('dashboard exports of the pilot SDTM overview', () => {
  it('PDF: text holds the numbers the API answers for the same filters, a widget that errors shows its error, pages render', async () => {
    const [[females]] = (await sql(`SELECT count(DISTINCT USUBJID) FROM dm WHERE SEX = 'F'`)) as [[number]];
    const sites = (await sql(`SELECT SITEID, count(*) FROM dm WHERE SEX = 'F' GROUP BY 1 ORDER BY 1`)) as [
      string,
      number,
    ][];
    const api = await pageData(FEMALE);
    expect(api.get('total-screened')?.data?.metric?.value).toBe(females);

    const { body, headers, record } = await exported({
      format: 'pdf',
      pages: ['overview'],
      filters: FEMALE,
      options: { paperSize: 'A4', orientation: 'landscape' },
    });
    expect(headers['content-type']).toBe('application/pdf');
    expect(String(headers['content-disposition'])).toMatch(/^attachment; filename=".+ Pilot overview .+\.pdf"/);
    const file = path.join(out, 'overview.pdf');
    await writeFile(file, body);
    const text = pdfText(file);
    // Cover: study, dashboard, the filter, who.
    expect(text).toContain('Pilot overview');
    expect(text).toContain('sex is one of F');
    expect(text).toContain(manager.user.email);
    // Headline numbers: the API's, which are the SQL's.
    expect(text).toMatch(new RegExp(`\\b${females}\\b`));
    for (const id of ['screen-failures', 'total-aes', 'serious-aes']) {
      const metric = api.get(id)?.data?.metric;
      expect(metric?.value, id).not.toBeNull();
      expect(text, id).toContain(String(metric?.value?.toLocaleString('en-US')));
    }
    // The site summary table, site by site: each site's count of screened women.
    const summary = api.get('site-summary')?.data;
    expect(summary).toBeDefined();
    const siteCol = summary?.columns.findIndex((c) => c.name === 'site') ?? -1;
    const screenedCol = summary?.columns.findIndex((c) => c.name === 'screened') ?? -1;
    for (const [site, count] of sites) {
      const row = summary?.rows.find((r) => String(r[siteCol]) === String(site));
      expect(row?.[screenedCol], site).toBe(count);
      expect(text).toMatch(new RegExp(`${site}\\s.*\\b${count}\\b`));
    }
    // The pilot has no LB: the ALT widget errors and the PDF says why, in its place.
    const alt = api.get('alt-by-visit');
    expect(alt?.error?.message).toBeTruthy();
    expect(text.replace(/\s+/g, ' ')).toContain('This widget could not be drawn');
    // Page x of y on every page, bookmarks per dashboard page, fonts embedded.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (let p = 1; p <= pages; p++) expect(pdfText(file, p)).toContain(`Page ${p} of ${pages}`);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans\s.*yes\s+yes/);
    expect(body.toString('latin1')).toContain('/Outlines');
    // Rendered to PNG as a reader would see it (looked at while building this).
    execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '2', '-l', '2', file, path.join(out, 'page')]);
    const png = (await readdir(out)).find((f) => f.startsWith('page') && f.endsWith('.png'));
    expect(png).toBeDefined();
    expect((await stat(path.join(out, png ?? ''))).size).toBeGreaterThan(10_000);

    // Audited with the file's hash.
    const { rows } = await t.admin.query(
      `select new_values from audit_events where action = 'dashboard.exported' and resource_id = $1`,
      [dashboardId],
    );
    expect(rows.map((r) => r.new_values.sha256)).toContain(record.sha256);
  });

  it('XLSX: a Contents sheet linking every widget sheet, typed cells, bold frozen header and autofilter', async () => {
    const api = await pageData();
    const { body } = await exported({ format: 'xlsx', pages: ['overview'] });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
    const contents = workbook.getWorksheet('Contents');
    expect(contents).toBeDefined();
    const links: string[] = [];
    contents?.eachRow((row) => {
      const cell = row.getCell(3).value;
      if (cell && typeof cell === 'object' && 'hyperlink' in cell) links.push(String(cell.hyperlink));
    });
    expect(links.length).toBeGreaterThanOrEqual(10);
    const summary = api.get('site-summary')?.data;
    const sheet = workbook.getWorksheet('Site Summary');
    expect(sheet).toBeDefined();
    if (!sheet || !summary) return;
    expect(sheet.getRow(1).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBeTruthy();
    expect(sheet.getRow(1).values).toEqual([undefined, ...summary.columns.map((c) => c.label)]);
    summary.rows.forEach((row, i) => {
      summary.columns.forEach((column, j) => {
        const cell = sheet.getRow(i + 2).getCell(j + 1);
        if (column.type === 'integer' && row[j] !== null) {
          expect(cell.type).toBe(ExcelJS.ValueType.Number);
          expect(cell.value).toBe(row[j]);
        }
      });
    });
    // AE incidence percentages are 0–100 on screen: stored as fractions shown as percentages.
    const demo = workbook.getWorksheet('Demographics by Arm');
    expect(demo).toBeDefined();
    const pct = api.get('demographics')?.data?.columns.findIndex((c) => c.name.endsWith('_pct')) ?? -1;
    if (pct >= 0 && demo) {
      const cell = demo.getRow(2).getCell(pct + 1);
      if (cell.value !== null) {
        expect(cell.type).toBe(ExcelJS.ValueType.Number);
        expect(cell.numFmt).toBe('0.0%');
      }
    }
  });

  it('PPTX: native charts whose XML holds the series values the API answers', async () => {
    const api = await pageData();
    const { body, headers } = await exported({ format: 'pptx', pages: ['overview'] });
    expect(String(headers['content-disposition'])).toContain('.pptx');
    const zip = await JSZip.loadAsync(body);
    const charts = Object.keys(zip.files).filter((f) => /^ppt\/charts\/chart\d+\.xml$/.test(f));
    expect(charts.length).toBeGreaterThanOrEqual(2);
    const xml = (await Promise.all(charts.map((f) => zip.file(f)?.async('string')))).join('\n');
    const bar = api.get('ae-by-soc')?.data;
    const value = bar?.columns.findIndex((c) => c.name === 'value') ?? -1;
    expect(bar?.rows.length).toBeGreaterThan(0);
    for (const row of bar?.rows ?? []) expect(xml).toContain(`<c:v>${row[value]}</c:v>`);
    const slides = Object.keys(zip.files).filter((f) => /^ppt\/slides\/slide\d+\.xml$/.test(f));
    // A title slide, then a slide per widget (tables may take several).
    expect(slides.length).toBeGreaterThanOrEqual(1 + api.size);
    const notes = Object.keys(zip.files).filter((f) => /^ppt\/notesSlides\/notesSlide\d+\.xml$/.test(f));
    const note = await zip.file(notes[0] ?? '')?.async('string');
    expect(note).toContain('Data version');
  });

  it('widget menu: CSV, XLSX, SVG and PNG made on the server, audited; a table has no picture', async () => {
    const api = await pageData(FEMALE);
    const filters = encodeURIComponent(JSON.stringify(FEMALE));
    const csv = await t.request(manager, {
      method: 'GET',
      url: `${base()}/widgets/site-summary/export?format=csv&filters=${filters}`,
    });
    expect(csv.statusCode, csv.body).toBe(200);
    const summary = api.get('site-summary')?.data;
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength((summary?.rows.length ?? 0) + 1);
    expect(lines[1]?.split(',').map((c) => c.replace(/"/g, ''))).toEqual(summary?.rows[0]?.map((c) => String(c ?? '')));
    const svg = await t.request(manager, { method: 'GET', url: `${base()}/widgets/ae-by-soc/export?format=svg` });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.body).toMatch(/^<svg/);
    const png = await t.request(manager, { method: 'GET', url: `${base()}/widgets/ae-by-soc/export?format=png` });
    expect(png.statusCode).toBe(200);
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const xlsx = await t.request(manager, { method: 'GET', url: `${base()}/widgets/site-summary/export?format=xlsx` });
    expect(xlsx.statusCode).toBe(200);
    const table = await t.request(manager, { method: 'GET', url: `${base()}/widgets/site-summary/export?format=png` });
    expect(table.statusCode).toBe(422);
    expect(table.json().error.message).toContain('CSV or XLSX');
    const { rows } = await t.admin.query(
      `select count(*)::int as n from audit_events where action = 'dashboard.widget_exported' and resource_id = $1`,
      [dashboardId],
    );
    expect(rows[0].n).toBe(4);
  });

  it('bad input: unknown format, option or page is a 400 naming it; an auditor may not export', async () => {
    const format = await t.request(manager, { method: 'POST', url: `${base()}/exports`, payload: { format: 'docx' } });
    expect(format.statusCode).toBe(400);
    expect(format.body).toContain('format');
    const option = await t.request(manager, {
      method: 'POST',
      url: `${base()}/exports`,
      payload: { format: 'pdf', options: { paperSize: 'A4', colour: 'red' } },
    });
    expect(option.statusCode).toBe(400);
    expect(option.body).toContain('colour');
    const size = await t.request(manager, {
      method: 'POST',
      url: `${base()}/exports`,
      payload: { format: 'pdf', options: { paperSize: 'A3' } },
    });
    expect(size.statusCode).toBe(400);
    expect(size.body).toContain('paperSize');
    const page = await t.request(manager, {
      method: 'POST',
      url: `${base()}/exports`,
      payload: { format: 'pdf', pages: ['nope'] },
    });
    expect(page.statusCode).toBe(400);
    expect(page.json().error.message).toContain('"nope"');
    const widgetFormat = await t.request(manager, {
      method: 'GET',
      url: `${base()}/widgets/ae-by-soc/export?format=gif`,
    });
    expect(widgetFormat.statusCode).toBe(400);
    expect(widgetFormat.body).toContain('format');
    const denied = await t.request(auditor, { method: 'POST', url: `${base()}/exports`, payload: { format: 'pdf' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details.missingPermission).toBe('dashboard:export:assigned');
  });

  it('PDF: a dashboard version approved for use carries its signatures on the cover (name, meaning, time with zone, hash)', async () => {
    const signed = await t.request(manager, {
      method: 'POST',
      url: '/api/signatures',
      payload: {
        resourceType: 'dashboard_version',
        resourceId: `${dashboardId}:1`,
        meaning: 'Approval',
        email: manager.user.email,
        password: TEST_PASSWORD,
      },
    });
    expect(signed.statusCode, signed.body).toBe(201);
    const signature = signed.json().data;
    const { body } = await exported({ format: 'pdf', pages: ['overview'] });
    const file = path.join(out, 'approved.pdf');
    await writeFile(file, body);
    const cover = pdfText(file, 1).replace(/\s+/g, ' ');
    expect(cover).toContain('Approved for use');
    expect(cover).toContain(`${signature.signerName} — Approval`);
    expect(cover).toContain(`Signed ${signature.signedAtLocal}`);
    expect(cover).toContain(`Dashboard Pilot overview, version 1 · SHA-256 ${signature.contentSha256}`);
    expect(cover).toContain('Verified: the record is unchanged since it was signed');
  });

  it('lists recent exports, and removes files past their retention while keeping the record', async () => {
    const { id } = await exported({ format: 'xlsx', pages: ['enrollment'] });
    const list = await t.request(manager, { method: 'GET', url: `${base()}/exports` });
    expect(list.json().data[0]).toMatchObject({ id, format: 'xlsx', pages: ['enrollment'] });
    await t.admin.query(`update exports set expires_at = now() - interval '1 minute' where id = $1`, [id]);
    const [row] = (await t.admin.query('select file_path from exports where id = $1', [id])).rows;
    const file = path.join(t.ctx.config.dataDir, 'studies', orgId, studyId, row.file_path);
    expect(existsSync(file)).toBe(true);
    await runJob(t.ctx, 'exports.purge', {});
    expect(existsSync(file)).toBe(false);
    const status = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}` });
    expect(status.json().data).toMatchObject({ status: 'SUCCEEDED', available: false });
    const gone = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}/file` });
    expect(gone.statusCode).toBe(409);
    expect(gone.json().error.message).toContain('removed');
  });
});
