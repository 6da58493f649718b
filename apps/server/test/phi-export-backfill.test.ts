import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';

/*
 * The backfills that flag exports made before `exports.clear_phi` existed (migration 0021: exports
 * whose `exports.render` job logged a clear PHI read) and before mailed reports were masked
 * (migration 0022: exports whose scheduled-report run logged one). The migrations ran when the test
 * database was made, on no rows; here their UPDATE statements, read from the migration files, run
 * again over rows inserted as such exports and runs would have left them.
 */

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/db/migrations');

/** The UPDATE statements of a migration file, as drizzle splits it. */
async function backfillOf(file: string): Promise<string[]> {
  const text = await readFile(path.join(MIGRATIONS, file), 'utf8');
  return text
    .split('--> statement-breakpoint')
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.startsWith('UPDATE "exports"'));
}

let t: TestApp;
let one: Tenant;
let other: Tenant;
let manager: Session;
let dashboardId: string;
let otherDashboardId: string;
let reportId: string;

async function dashboard(tenant: Tenant, session: Session): Promise<string> {
  const res = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.id;
}

/** An export row as a finished export leaves it (not flagged: as before the column existed). */
async function exportRow(tenant: Tenant, dashboard: string, sha256: string): Promise<string> {
  const id = randomUUID();
  await t.admin.query(
    `insert into exports (id, org_id, study_id, dashboard_id, format, status, request, sha256, clear_phi)
     values ($1, $2, $3, $4, 'xlsx', 'SUCCEEDED', '{"pages":null,"filters":[],"options":{}}', $5, false)`,
    [id, tenant.org.id, tenant.study.id, dashboard, sha256],
  );
  return id;
}

async function runRow(sha256: string): Promise<string> {
  const id = randomUUID();
  await t.admin.query(
    `insert into scheduled_report_runs (id, org_id, report_id, trigger, status, recipients, sha256)
     values ($1, $2, $3, 'schedule', 'sent', '{}', $4)`,
    [id, one.org.id, reportId, sha256],
  );
  return id;
}

async function logged(tenant: Tenant, route: string): Promise<void> {
  await t.admin.query(
    `insert into phi_access_log (org_id, study_id, user_id, dataset, columns, rows, route)
     values ($1, $2, $3, 'DM', '["BRTHDTC"]', 10, $4)`,
    [tenant.org.id, tenant.study.id, manager.user.id, route],
  );
}

async function flagged(id: string): Promise<boolean> {
  const { rows } = await t.admin.query('select clear_phi from exports where id = $1', [id]);
  return rows[0].clear_phi;
}

beforeAll(async () => {
  t = await startTestApp();
  one = await t.tenant();
  other = await t.tenant();
  manager = await one.as('study_manager');
  dashboardId = await dashboard(one, manager);
  otherDashboardId = await dashboard(other, await other.as('study_manager'));
  const report = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${one.study.id}/scheduled-reports`,
    payload: {
      name: 'Weekly',
      dashboardId,
      schedule: { type: 'weekly', days: ['mon'], time: '08:00', timeZone: 'Europe/Berlin' },
      format: 'xlsx',
      recipients: [manager.user.email],
      subject: 'S',
      body: 'B',
    },
  });
  expect(report.statusCode, report.body).toBe(201);
  reportId = report.json().data.id;
}, 120_000);
afterAll(() => t?.close());

describe('backfilling clear_phi on exports made before it was recorded', () => {
  it('flags exactly the exports whose job or scheduled-report run logged a clear PHI read', async () => {
    const sha = () => randomUUID().replaceAll('-', '').padEnd(64, '0');
    const renderedClear = await exportRow(one, dashboardId, sha());
    await logged(one, `job exports.render · export ${renderedClear}`);
    const renderedMasked = await exportRow(one, dashboardId, sha());

    const mailedSha = sha();
    const mailedClear = await exportRow(one, dashboardId, mailedSha);
    await logged(one, `job reports.run · run ${await runRow(mailedSha)}`);
    const maskedSha = sha();
    const mailedMasked = await exportRow(one, dashboardId, maskedSha);
    await runRow(maskedSha);
    // Another organization's export with the same file hash is not that run's file.
    const foreign = await exportRow(other, otherDashboardId, mailedSha);

    const statements = [...(await backfillOf('0021_phifix.sql')), ...(await backfillOf('0022_a16.sql'))];
    expect(statements).toHaveLength(2);
    for (const sql of statements) await t.admin.query(sql);

    expect({
      renderedClear: await flagged(renderedClear),
      renderedMasked: await flagged(renderedMasked),
      mailedClear: await flagged(mailedClear),
      mailedMasked: await flagged(mailedMasked),
      foreign: await flagged(foreign),
    }).toEqual({
      renderedClear: true,
      renderedMasked: false,
      mailedClear: true,
      mailedMasked: false,
      foreign: false,
    });
  }, 60_000);
});
