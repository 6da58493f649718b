import { createHash } from 'node:crypto';
import type { Dashboard } from '@cdp/contracts';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/* The drill-down's subjects as CSV and XLSX: the same subjects as the sheet, permission-checked, audited. */

let t: TestApp;
let monitor: Session;
let auditor: Session;
let studyId: string;
let orgId: string;
let dashboard: Dashboard;

const filters = [{ field: 'arm', op: 'in', value: ['Placebo'] }];
const point = { sex: 'F' };
const url = (format: string) =>
  `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/demographics/subjects/export?format=${format}` +
  `&filters=${encodeURIComponent(JSON.stringify(filters))}&point=${encodeURIComponent(JSON.stringify(point))}`;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  const manager = await tenant.as('study_manager');
  monitor = await tenant.as('clinical_monitor');
  auditor = await tenant.as('auditor');
  await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 80, sites: 4, seed: 5 });
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);
  dashboard = res.json().data;
});
afterAll(() => t.close());

describe('exporting the subjects behind a point', () => {
  let expected: string[];

  beforeAll(async () => {
    const drill = await t.request(monitor, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/demographics/subjects?limit=1000&filters=${encodeURIComponent(JSON.stringify(filters))}&point=${encodeURIComponent(JSON.stringify(point))}`,
    });
    expect(drill.statusCode, drill.body).toBe(200);
    expected = (drill.json().rows as unknown[][]).map((r) => String(r[0]));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('gives a CSV of the same subjects with their attributes, and audits it with the hash', async () => {
    const res = await t.request(monitor, { method: 'GET', url: url('csv') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename=".*demographics-subjects\.csv"/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^Subject/);
    expect(lines[0]).toContain('Sex');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(expected);
    const { rows } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'dashboard.subjects_exported' order by seq`,
      [orgId],
    );
    expect(rows.at(-1)?.new_values).toMatchObject({
      format: 'csv',
      widgetId: 'demographics',
      subjects: expected.length,
      point,
      filters,
      sha256: createHash('sha256').update(res.rawPayload).digest('hex'),
    });
  });

  it('gives an XLSX with the subjects and an About sheet naming the filters and the data version', async () => {
    const res = await t.request(monitor, { method: 'GET', url: url('xlsx') });
    expect(res.statusCode, res.body).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Subjects');
    const ids: string[] = [];
    sheet?.eachRow((row, n) => {
      if (n > 1) ids.push(String(row.getCell(1).value));
    });
    expect(ids).toEqual(expected);
    const about = JSON.stringify(workbook.getWorksheet('About')?.getSheetValues());
    expect(about).toContain('Placebo');
    expect(about).toContain(dashboard.dataVersion?.label ?? 'no version');
  });

  it('is refused without the dashboard export permission', async () => {
    const res = await t.request(auditor, { method: 'GET', url: url('csv') });
    expect(res.statusCode).toBe(403);
  });

  it('refuses an unknown format', async () => {
    const res = await t.request(monitor, { method: 'GET', url: url('pdf') });
    expect(res.statusCode).toBe(400);
  });
});
