import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import { runJob } from '../src/jobs/run-job.ts';
import type { AppContext } from '../src/lib/context.ts';
import { fireDueReports } from '../src/reports/fire-due-reports.ts';
import { runScheduledReport } from '../src/reports/run-report.ts';
import { multipartFile, type Session, type TestApp } from './harness.ts';

/**
 * The set-up the PHI tests of exports and scheduled reports share (routes/exports/export-phi.test.ts,
 * routes/scheduled-reports/report-phi.test.ts): a DM uploaded with some columns classified PHI and
 * sealed, a dashboard that lists DM columns, an export or a scheduled report of it run as the worker
 * would, and the cells of the XLSX that comes out. Each step asserts its own status, as the tests did.
 */

export interface StudyRef {
  orgId: string;
  studyId: string;
}

/** Uploads `csv` as `fileName`, classifies `phiColumns` of DM as PHI and runs `phi.protect` (sealing them at rest). */
export async function uploadWithPhi(
  t: TestApp,
  session: Session,
  { orgId, studyId }: StudyRef,
  fileName: string,
  csv: string,
  phiColumns: readonly string[],
): Promise<void> {
  const upload = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile(fileName, csv),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  for (const column of phiColumns) {
    const res = await t.request(session, {
      method: 'PUT',
      url: `/api/studies/${studyId}/phi-columns`,
      payload: { dataset: 'DM', column, classification: 'phi' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  expect(await runJob(t.ctx, 'phi.protect', { orgId, studyId })).toMatchObject({ status: 'done' });
}

/**
 * A dashboard (from the study overview template) cut down to one page holding one table widget
 * that lists `columns` of DM; its id.
 */
export async function listingDashboard(
  t: TestApp,
  session: Session,
  studyId: string,
  name: string,
  columns: readonly string[],
): Promise<string> {
  const created = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name, templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  const dashboard = created.json().data;
  const document = structuredClone(dashboard.document);
  const page = document.pages[0];
  const firstId = Object.keys(page.widgets)[0] as string;
  page.widgets = {
    [firstId]: {
      type: 'table',
      title: 'Subjects',
      optionsVersion: 1,
      options: { columns },
      data: { dataset: 'DM', mapping: {} },
    },
  };
  if (Array.isArray(page.layout)) page.layout = page.layout.filter((l: { i: string }) => l.i === firstId);
  document.pages = [page];
  const saved = await t.request(session, {
    method: 'PUT',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
    payload: { version: dashboard.version, document, comment: `A listing of ${columns.join(', ')}` },
  });
  expect(saved.statusCode, saved.body).toBe(200);
  return dashboard.id;
}

/** Queues an export of the dashboard as `session` and renders it as the worker would; the export's id. */
export async function exportDashboard(
  t: TestApp,
  session: Session,
  { orgId, studyId }: StudyRef,
  dashboardId: string,
  format: 'xlsx' | 'pdf' = 'xlsx',
): Promise<string> {
  const queued = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports`,
    payload: { format },
  });
  expect(queued.statusCode, queued.body).toBe(202);
  const exportId = queued.json().data.id as string;
  expect(await runJob(t.ctx, 'exports.render', { orgId, exportId })).toMatchObject({ status: 'done' });
  return exportId;
}

/** A weekly scheduled report of the dashboard, mailed to `session`'s user; its id. */
export async function weeklyReport(
  t: TestApp,
  session: Session,
  studyId: string,
  report: { name: string; dashboardId: string; format: 'xlsx' | 'pdf' },
): Promise<string> {
  const created = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/scheduled-reports`,
    payload: {
      ...report,
      schedule: { type: 'weekly', days: ['mon'], time: '08:00', timeZone: 'Europe/Berlin' },
      recipients: [session.user.email],
      subject: '{study}: {dashboard} on {date}',
      body: 'The {dashboard} report of {study} for {date}.',
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().data.id as string;
}

/**
 * Makes the report due, fires due reports and runs its newest running occurrence as the worker would
 * (with `ctx`, which may differ from the app's: no SMTP, a small attachment limit); the run's id.
 */
export async function runDueReport(t: TestApp, ctx: AppContext, orgId: string, reportId: string): Promise<string> {
  await t.admin.query(`update scheduled_reports set next_run_at = now() - interval '1 minute' where id = $1`, [
    reportId,
  ]);
  expect((await fireDueReports(ctx)).queued).toBeGreaterThanOrEqual(1);
  const { rows } = await t.admin.query(
    `select id from scheduled_report_runs where report_id = $1 and status = 'running' order by started_at desc limit 1`,
    [reportId],
  );
  const runId = rows[0].id as string;
  expect(await runScheduledReport(ctx, { orgId, runId })).toMatchObject({ status: 'sent' });
  return runId;
}

/** Every cell of every sheet of an XLSX, as text (a date cell as its ISO date). */
export async function xlsxCells(body: Buffer): Promise<string[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const cells: string[] = [];
  workbook.eachSheet((sheet) =>
    sheet.eachRow((r) =>
      r.eachCell((cell) => {
        const value = cell.value;
        cells.push(value instanceof Date ? value.toISOString().slice(0, 10) : String(cell.text ?? value));
      }),
    ),
  );
  return cells;
}
