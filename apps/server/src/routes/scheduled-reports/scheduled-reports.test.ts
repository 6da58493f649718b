import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import type { AppContext } from '../../lib/context.ts';
import { fireDueReports } from '../../reports/fire-due-reports.ts';
import { runScheduledReport } from '../../reports/run-report.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/**
 * Scheduled reports end to end: real mail is received by an in-process SMTP server on 127.0.0.1
 * and read back with mailparser. The attachment is compared with the file the run names, by name,
 * size and sha256; what the renderers put in it is checked in routes/exports/exports.test.ts.
 */

interface Received {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
}
const received: Received[] = [];
/** Addresses the SMTP server refuses at RCPT TO, with a 550. */
const refused = new Set<string>();
let smtp: SMTPServer;
let smtpPort = 0;

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let monitor: Session;
let admin: Session;
let intruder: Session;
let auditor: Session;
let dashboardId: string;
let studyName: string;

const base = () => `/api/studies/${tenant.study.id}/scheduled-reports`;

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).sort();
}

async function nextMail(count = 1): Promise<Received[]> {
  for (let i = 0; i < 100 && received.length < count; i += 1) await new Promise((r) => setTimeout(r, 50));
  return received.splice(0, received.length);
}

function reportBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Weekly safety',
    description: 'For the Monday meeting',
    dashboardId,
    schedule: { type: 'weekly', days: ['mon'], time: '08:00', timeZone: 'Europe/Berlin' },
    format: 'pdf',
    recipients: [monitor.user.email],
    cc: [manager.user.email],
    subject: '{study}: {dashboard} on {date}',
    body: 'Hello,\n\nthe {dashboard} report of {study} for {date} is attached.',
    ...overrides,
  };
}

async function createReport(overrides: Record<string, unknown> = {}, as = manager) {
  const res = await t.request(as, { method: 'POST', url: base(), payload: reportBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data as { id: string; nextRunAt: string; scheduleText: string; owner: { id: string } };
}

/** Makes the report due now and runs the minute job and the run it queues, as the worker would. */
async function runScheduled(reportId: string, ctx: AppContext = t.ctx) {
  await t.admin.query(`update scheduled_reports set next_run_at = now() - interval '1 minute' where id = $1`, [
    reportId,
  ]);
  const fired = await fireDueReports(ctx);
  expect(fired.queued).toBeGreaterThanOrEqual(1);
  const { rows } = await t.admin.query(
    `select id from scheduled_report_runs where report_id = $1 and status = 'running' order by started_at desc limit 1`,
    [reportId],
  );
  return runScheduledReport(ctx, { orgId: tenant.org.id, runId: rows[0].id });
}

async function runsOf(reportId: string) {
  const res = await t.request(manager, { method: 'GET', url: `${base()}/${reportId}/runs` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as {
    id: string;
    status: string;
    trigger: string;
    recipients: string[];
    cc: string[];
    fileName: string | null;
    bytes: number | null;
    sha256: string | null;
    delivery: string | null;
    error: string | null;
  }[];
}

async function filePathOf(runId: string): Promise<string> {
  const { rows } = await t.admin.query('select file_path from scheduled_report_runs where id = $1', [runId]);
  return rows[0].file_path;
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address.toLowerCase())) {
        const error = new Error(`Mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address).sort(),
            },
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  t = await startTestApp({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, mailTimeoutMs: 5000 });
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  monitor = await tenant.as('clinical_monitor');
  admin = await tenant.as('org_admin');
  auditor = await tenant.as('auditor');
  intruder = await (await t.tenant()).as('org_admin');
  await loadGeneratedVersion(
    t.ctx,
    { id: tenant.study.id, orgId: tenant.org.id },
    { subjects: 60, sites: 3, seed: 11, studyId: 'R-1' },
  );
  const dashboard = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Safety Overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  dashboardId = dashboard.json().data.id;
  const { rows } = await t.admin.query('select name from studies where id = $1', [tenant.study.id]);
  studyName = rows[0].name;
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('creating and changing reports', () => {
  it('creates a weekly report with its next run at 08:00 Berlin time on a Monday, and lists it', async () => {
    const report = await createReport();
    expect(report.scheduleText).toBe('Every Monday at 08:00 (Europe/Berlin)');
    const next = new Date(report.nextRunAt);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(local).toBe('Monday 08:00');
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(report.owner.id).toBe(manager.user.id);

    const list = await t.request(manager, { method: 'GET', url: base() });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data.map((r: { id: string }) => r.id)).toContain(report.id);
    expect(list.json().meta.mail).toEqual({ transport: 'smtp', outboxDir: null });
    const { rows } = await t.admin.query(`select action from audit_events where org_id = $1 and resource_id = $2`, [
      tenant.org.id,
      report.id,
    ]);
    expect(rows.map((r) => r.action)).toEqual(['scheduled_report.created']);
  });

  it('previews the next five runs in the chosen zone', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: `${base()}/preview-schedule`,
      payload: { schedule: { type: 'monthly', dayOfMonth: 'last', time: '17:30', timeZone: 'America/New_York' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { text, runs } = res.json().data;
    expect(text).toBe('Monthly on the last day at 17:30 (America/New_York)');
    expect(runs).toHaveLength(5);
    for (const run of runs) {
      expect(run.local).toMatch(/ 17:30 E[SD]T$/);
      const at = new Date(run.at);
      const nextDay = new Date(at.getTime() + 86_400_000);
      const dayOf = (d: Date) =>
        new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', day: 'numeric' }).format(d);
      expect(dayOf(nextDay)).toBe('1');
    }
  });

  it.each([
    ['* * * * *', 'every 1 minute'],
    ['0 0 30 2 *', 'never fires'],
    ['0 8 * *', 'five fields'],
  ])('refuses the cron %s with a 400 naming schedule.cron', async (cron, words) => {
    const res = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: reportBody({ schedule: { type: 'cron', cron, timeZone: 'UTC' } }),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toContain('schedule.cron');
    expect(res.json().error.message).toContain(words);
  });

  it('refuses bad e-mail addresses, unknown zones, formats and pages, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ recipients: ['not-an-address'] }, 'recipients'],
      [{ cc: ['a@b'] }, 'cc'],
      [{ recipients: [] }, 'recipients'],
      [{ schedule: { type: 'daily', time: '08:00', timeZone: 'Mars/Olympus' } }, 'timeZone'],
      [{ schedule: { type: 'daily', time: '25:00', timeZone: 'UTC' } }, 'time'],
      [{ format: 'docx' }, 'format'],
      [{ pages: ['no-such-page'] }, 'pages.0'],
      [{ dashboardId: '00000000-0000-4000-8000-000000000000' }, 'dashboardId'],
    ];
    for (const [overrides, field] of cases) {
      const res = await t.request(manager, { method: 'POST', url: base(), payload: reportBody(overrides) });
      expect(res.statusCode, `${JSON.stringify(overrides)}: ${res.body}`).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
  });

  it('refuses recipients outside the organization until an administrator allows them (audited)', async () => {
    const outside = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: reportBody({ cc: ['sponsor@example.org'] }),
    });
    expect(outside.statusCode, outside.body).toBe(400);
    expect(outside.json().error.message).toContain('cc.0');
    expect(outside.json().error.message).toContain('sponsor@example.org is not a user of this organization');

    const byManager = await t.request(manager, {
      method: 'PUT',
      url: '/api/organization/report-settings',
      payload: { allowExternalRecipients: true },
    });
    expect(byManager.statusCode).toBe(403);
    const allow = await t.request(admin, {
      method: 'PUT',
      url: '/api/organization/report-settings',
      payload: { allowExternalRecipients: true },
    });
    expect(allow.statusCode, allow.body).toBe(200);
    try {
      await createReport({ cc: ['sponsor@example.org'] });
    } finally {
      await t.request(admin, {
        method: 'PUT',
        url: '/api/organization/report-settings',
        payload: { allowExternalRecipients: false },
      });
    }
    const { rows } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'report_settings.updated' order by seq`,
      [tenant.org.id],
    );
    expect(rows.map((r) => r.new_values)).toEqual([
      { allowExternalRecipients: true },
      { allowExternalRecipients: false },
    ]);
  });

  it('needs dashboard:export:assigned: an auditor is told, another tenant finds nothing', async () => {
    const report = await createReport({ name: 'Guarded' });
    const byAuditor = await t.request(auditor, { method: 'GET', url: base() });
    expect(byAuditor.statusCode).toBe(403);
    expect(byAuditor.json().error.details.missingPermission).toBe('dashboard:export:assigned');
    const byIntruder = await t.request(intruder, { method: 'GET', url: `${base()}/${report.id}` });
    expect(byIntruder.statusCode).toBe(404);
  });

  it('updates and deletes a report; the saver becomes its owner', async () => {
    const report = await createReport({ name: 'To change' });
    const put = await t.request(monitor, {
      method: 'PUT',
      url: `${base()}/${report.id}`,
      payload: reportBody({
        name: 'Changed',
        schedule: { type: 'daily', time: '06:15', timeZone: 'UTC' },
        active: false,
      }),
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().data).toMatchObject({ name: 'Changed', active: false, nextRunAt: null });
    expect(put.json().data.owner.id).toBe(monitor.user.id);
    const del = await t.request(manager, { method: 'DELETE', url: `${base()}/${report.id}` });
    expect(del.statusCode, del.body).toBe(200);
    const gone = await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` });
    expect(gone.statusCode).toBe(404);
  });
});

// Each run renders a real PDF of the 12-widget overview: on the shared 2-core machine at load ~30
// one takes 10–20 s, and the three-failures test makes three.
describe('sending', { timeout: 120_000 }, () => {
  it('Send test mails the report to the person asking only, and shows it in the history', async () => {
    const report = await createReport({ name: 'Test me' });
    received.length = 0;
    const res = await t.request(monitor, { method: 'POST', url: `${base()}/${report.id}/test` });
    expect(res.statusCode, res.body).toBe(202);
    const outcome = await runScheduledReport(t.ctx, { orgId: tenant.org.id, runId: res.json().data.runId });
    expect(outcome.status).toBe('sent');

    const [mail] = await nextMail();
    expect(mail?.envelope.to).toEqual([monitor.user.email]);
    expect(addresses(mail?.mail.cc)).toEqual([]);
    const [run] = await runsOf(report.id);
    expect(run).toMatchObject({
      trigger: 'test',
      status: 'sent',
      recipients: [monitor.user.email],
      delivery: 'attachment',
    });
    const attachment = mail?.mail.attachments[0];
    expect(attachment?.filename).toBe(run?.fileName);
    expect(attachment?.size).toBe(run?.bytes);
    expect(
      createHash('sha256')
        .update(attachment?.content ?? '')
        .digest('hex'),
    ).toBe(run?.sha256);
    // The history does not change the report's own status: a test is not a scheduled run.
    const after = await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` });
    expect(after.json().data).toMatchObject({ lastStatus: null, failureCount: 0 });
  });

  it('a scheduled run mails recipients and cc with the placeholders filled and the export attached', async () => {
    const report = await createReport({ name: 'Monday', pages: undefined });
    received.length = 0;
    const outcome = await runScheduled(report.id);
    expect(outcome.status).toBe('sent');
    const [mail] = await nextMail();
    expect(mail?.envelope.to).toEqual([manager.user.email, monitor.user.email].sort());
    expect(addresses(mail?.mail.to)).toEqual([monitor.user.email]);
    expect(addresses(mail?.mail.cc)).toEqual([manager.user.email]);
    const { rows } = await t.admin.query('select scheduled_for from scheduled_report_runs where report_id = $1', [
      report.id,
    ]);
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(rows[0].scheduled_for);
    expect(mail?.mail.subject).toBe(`${studyName}: Safety Overview on ${date}`);
    expect(mail?.mail.text?.trim()).toBe(
      `Hello,\n\nthe Safety Overview report of ${studyName} for ${date} is attached.`,
    );

    const [run] = await runsOf(report.id);
    expect(run).toMatchObject({ trigger: 'schedule', status: 'sent', error: null, delivery: 'attachment' });
    const file = await readFile(await filePathOf(run?.id ?? ''));
    const attachment = mail?.mail.attachments[0];
    expect(attachment?.filename).toBe(run?.fileName);
    expect(path.parse(attachment?.filename ?? '').name).toContain('Safety Overview');
    expect(Buffer.compare(attachment?.content ?? Buffer.alloc(0), file)).toBe(0);
    expect(createHash('sha256').update(file).digest('hex')).toBe(run?.sha256);

    const now = await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` });
    expect(now.json().data).toMatchObject({ lastStatus: 'sent', failureCount: 0 });
    expect(new Date(now.json().data.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    const audit = await t.admin.query(
      `select action, new_values from audit_events where org_id = $1 and resource_id = $2 and action = 'scheduled_report.sent'`,
      [tenant.org.id, report.id],
    );
    expect(audit.rows[0].new_values).toMatchObject({ sha256: run?.sha256, recipients: [monitor.user.email] });
  });

  it('a second tick for the same occurrence queues nothing', async () => {
    const report = await createReport({ name: 'Once' });
    await t.admin.query(`update scheduled_reports set next_run_at = now() - interval '1 minute' where id = $1`, [
      report.id,
    ]);
    const first = await fireDueReports(t.ctx);
    const second = await fireDueReports(t.ctx);
    expect(first.queued).toBeGreaterThanOrEqual(1);
    expect(second.queued).toBe(0);
    const { rows } = await t.admin.query('select count(*)::int as n from scheduled_report_runs where report_id = $1', [
      report.id,
    ]);
    expect(rows[0].n).toBe(1);
    await t.admin.query(`update scheduled_report_runs set status = 'failed' where report_id = $1`, [report.id]);
  });

  it('a refused recipient fails the run with the server’s reply and keeps the file; three in a row switch the report off and tell its owner', async () => {
    const unlucky = await tenant.as('clinical_monitor');
    refused.add(unlucky.user.email.toLowerCase());
    const report = await createReport({ name: 'Refused', recipients: [unlucky.user.email], cc: [] });
    received.length = 0;
    for (let i = 1; i <= 3; i += 1) {
      const outcome = await runScheduled(report.id);
      expect(outcome.status).toBe('failed');
      const [run] = await runsOf(report.id);
      expect(run?.status).toBe('failed');
      expect(run?.error).toContain('550');
      expect(run?.error).toContain(`Mailbox ${unlucky.user.email} unavailable`);
      expect((await stat(await filePathOf(run?.id ?? ''))).size).toBe(run?.bytes);
      const state = (await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` })).json().data;
      expect(state.failureCount).toBe(i);
      expect(state.lastStatus).toBe('failed');
      expect(state.active).toBe(i < 3);
    }
    const state = (await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` })).json().data;
    expect(state.disabledReason).toContain('Switched off after 3 failed runs');
    expect(state.nextRunAt).toBeNull();
    const [notice] = await nextMail();
    expect(notice?.envelope.to).toEqual([manager.user.email]);
    expect(notice?.mail.subject).toBe('Scheduled report "Refused" was switched off');
    const { rows } = await t.admin.query(
      `select action from audit_events where org_id = $1 and resource_id = $2 order by seq`,
      [tenant.org.id, report.id],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'scheduled_report.created',
      'scheduled_report.failed',
      'scheduled_report.failed',
      'scheduled_report.failed',
      'scheduled_report.disabled',
    ]);

    // Switching it on again clears the count and the notice.
    const on = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${report.id}`,
      payload: reportBody({ name: 'Refused', recipients: [monitor.user.email], cc: [] }),
    });
    expect(on.json().data).toMatchObject({ active: true, failureCount: 0, disabledReason: null });
  });

  it('SMTP down: the run fails saying the server could not be reached', async () => {
    const report = await createReport({ name: 'Down' });
    const down: AppContext = {
      ...t.ctx,
      config: { ...t.ctx.config, smtpUrl: 'smtp://127.0.0.1:1', mailTimeoutMs: 2000 },
    };
    const outcome = await runScheduled(report.id, down);
    expect(outcome.status).toBe('failed');
    const [run] = await runsOf(report.id);
    expect(run?.error).toContain('could not be reached');
    expect(run?.error).toContain('ECONNREFUSED');
    expect((await stat(await filePathOf(run?.id ?? ''))).size).toBe(run?.bytes);
  });

  it('a failed run is resent from its stored file: the same file to the same recipients, as a new run', async () => {
    const report = await createReport({ name: 'Resend' });
    const down: AppContext = {
      ...t.ctx,
      config: { ...t.ctx.config, smtpUrl: 'smtp://127.0.0.1:1', mailTimeoutMs: 2000 },
    };
    expect((await runScheduled(report.id, down)).status).toBe('failed');
    const [failed] = await runsOf(report.id);
    const stored = await readFile(await filePathOf(failed?.id ?? ''));
    // A new data version in between: a resend must not render again, it sends what failed.
    const resend = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/${report.id}/runs/${failed?.id}/resend`,
    });
    expect(resend.statusCode, resend.body).toBe(202);
    const runId = resend.json().data.runId as string;
    received.length = 0;
    expect(await runScheduledReport(t.ctx, { orgId: tenant.org.id, runId })).toMatchObject({ status: 'sent' });
    const [mail] = await nextMail();
    expect(mail?.envelope.to).toEqual([manager.user.email, monitor.user.email].sort());
    expect(Buffer.compare(mail?.mail.attachments[0]?.content ?? Buffer.alloc(0), stored)).toBe(0);
    const [again, original] = await runsOf(report.id);
    expect(again).toMatchObject({ id: runId, trigger: 'resend', status: 'sent', sha256: failed?.sha256 });
    expect(original).toMatchObject({ id: failed?.id, status: 'failed' });
    expect(await filePathOf(runId)).toBe(await filePathOf(failed?.id ?? ''));
    // A resend is not a scheduled occurrence: the report's failure count stays as the schedule left it.
    const state = (await t.request(manager, { method: 'GET', url: `${base()}/${report.id}` })).json().data;
    expect(state.failureCount).toBe(1);
    const { rows } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and resource_id = $2 and action = 'scheduled_report.resent'`,
      [tenant.org.id, report.id],
    );
    expect(rows[0]?.new_values).toMatchObject({ runId, resendOf: failed?.id, sha256: failed?.sha256 });

    // Only a failed run with a file can be resent.
    const sent = await t.request(monitor, { method: 'POST', url: `${base()}/${report.id}/runs/${runId}/resend` });
    expect(sent.statusCode).toBe(409);
    expect(sent.json().error.message).toBe('Only a failed run can be resent; this one is sent.');
    const { rows: bare } = await t.admin.query(
      `insert into scheduled_report_runs (org_id, report_id, trigger, status, recipients, error)
       values ($1, $2, 'schedule', 'failed', $3, 'Study not found.') returning id`,
      [tenant.org.id, report.id, [monitor.user.email]],
    );
    const nothing = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/${report.id}/runs/${bare[0].id}/resend`,
    });
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json().error.message).toContain('failed before its file was made');

    // A file changed or removed since is never sent: the resend fails saying so.
    await writeFile(await filePathOf(failed?.id ?? ''), 'tampered');
    const tampered = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/${report.id}/runs/${failed?.id}/resend`,
    });
    const tamperedId = tampered.json().data.runId as string;
    expect(await runScheduledReport(t.ctx, { orgId: tenant.org.id, runId: tamperedId })).toMatchObject({
      status: 'failed',
    });
    const [refusedRun] = await runsOf(report.id);
    expect(refusedRun?.error).toContain('changed since it was made (sha256 differs)');
    // Another organization's user finds nothing.
    const foreign = await t.request(intruder, {
      method: 'POST',
      url: `${base()}/${report.id}/runs/${failed?.id}/resend`,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('an owner who lost access makes the run fail clearly', async () => {
    const owner = await tenant.as('clinical_monitor');
    const report = await createReport({ name: 'Lost access' }, owner);
    await t.admin.query('delete from role_assignments where user_id = $1', [owner.user.id]);
    const outcome = await runScheduled(report.id);
    expect(outcome.status).toBe('failed');
    const [run] = await runsOf(report.id);
    expect(run?.error).toBe('Study not found.');
    expect(run?.fileName).toBeNull();
  });

  it('a file over the size limit goes as a link that needs sign-in, and expires', async () => {
    const report = await createReport({ name: 'Large' });
    received.length = 0;
    const small: AppContext = { ...t.ctx, config: { ...t.ctx.config, reportAttachmentMaxBytes: 10 } };
    expect((await runScheduled(report.id, small)).status).toBe('sent');
    const [mail] = await nextMail();
    expect(mail?.mail.attachments).toHaveLength(0);
    expect(mail?.mail.text).toContain(`/studies/${tenant.study.id}/reports?report=${report.id}`);
    expect(mail?.mail.text).toContain('Sign in to download it until');
    const [run] = await runsOf(report.id);
    expect(run?.delivery).toBe('link');

    const url = `${base()}/${report.id}/runs/${run?.id}/file`;
    const download = await t.request(monitor, { method: 'GET', url });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toContain(run?.fileName ?? '?');
    expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(run?.sha256);
    expect((await t.request(null, { method: 'GET', url })).statusCode).toBe(401);
    expect((await t.request(auditor, { method: 'GET', url })).statusCode).toBe(403);
    expect((await t.request(intruder, { method: 'GET', url })).statusCode).toBe(404);

    await t.admin.query(
      `update scheduled_report_runs set link_expires_at = now() - interval '1 second' where id = $1`,
      [run?.id],
    );
    const expired = await t.request(monitor, { method: 'GET', url });
    expect(expired.statusCode).toBe(404);
    expect(expired.json().error.message).toContain('expired');
  });

  it('without SMTP_URL each message is written as an .eml file in the outbox, and the list says so', async () => {
    const report = await createReport({ name: 'Outbox' });
    const outbox: AppContext = { ...t.ctx, config: { ...t.ctx.config, smtpUrl: null } };
    expect((await runScheduled(report.id, outbox)).status).toBe('sent');
    const dir = path.join(t.ctx.config.dataDir, 'outbox');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(await readFile(path.join(dir, files[0] ?? '')));
    expect(parsed.subject).toContain('Safety Overview');
    expect(addresses(parsed.to)).toEqual([monitor.user.email]);
    const [run] = await runsOf(report.id);
    expect(parsed.attachments[0]?.filename).toBe(run?.fileName);
    expect(
      createHash('sha256')
        .update(parsed.attachments[0]?.content ?? '')
        .digest('hex'),
    ).toBe(run?.sha256);
  });
});
