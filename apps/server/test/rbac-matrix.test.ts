import { API_KEY_SCOPES, type SystemRoleKey, satisfies } from '@cdp/contracts';
import { buildStudy } from '@cdp/db/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../src/jobs/run-job.ts';
import { everythingUser, keySession } from './api-key-session.ts';
import { multipartFile, type Session, startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from './harness.ts';
import { totpCode } from './totp-codes.ts';

/**
 * Each system role against representative endpoints: allowed means 2xx, denied means 403
 * naming the missing permission. The expectations are the seed's grants, written out by hand.
 */

type Role = Exclude<SystemRoleKey, 'platform_admin'>;
const ROLES: Role[] = ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor', 'auditor'];

interface Case {
  name: string;
  permission: string;
  allowed: Role[];
  request: (ctx: { tenant: Tenant; t: TestApp; unique: string }) => Promise<InjectOptions>;
}

/** A pipeline of the study, written straight into the database (the matrix's study has no data to check one against). */
async function pipelineOf(t: TestApp, tenant: Tenant, unique: string): Promise<string> {
  const { rows } = await t.admin.query(
    `insert into pipelines (org_id, study_id, name, kind, body, inputs, outputs, triggers, version)
     values ($1, $2, $3, 'sql', '{}', '[]', '["x"]', '{"onSourceActivation":false,"schedule":null,"afterUpstream":true}', 1)
     returning id`,
    [tenant.org.id, tenant.study.id, `RBAC ${unique}`],
  );
  return rows[0].id;
}

/** A dashboard on uploaded data, made once (by an org admin) for the cases that read one. */
let withData: Promise<{ studyId: string; dashboardId: string }> | undefined;
function dashboardWithData(tenant: Tenant, t: TestApp) {
  withData ??= (async () => {
    const admin = await tenant.as('org_admin');
    const upload = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads`,
      ...multipartFile('dm.csv', 'USUBJID,AGE,SEX\nRB-001,63,F\nRB-002,41,M\n'),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const created = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/dashboards`,
      payload: { name: 'RBAC overview', templateId: 'clinical-study-overview' },
    });
    expect(created.statusCode, created.body).toBe(201);
    return { studyId: tenant.study.id, dashboardId: created.json().data.id as string };
  })();
  return withData;
}

/** A PDF export of that dashboard, made and signed once (by an org admin): what a signed copy needs. */
let signedPdf: Promise<{ studyId: string; dashboardId: string; exportId: string }> | undefined;
function signedExport(tenant: Tenant, t: TestApp) {
  signedPdf ??= (async () => {
    const { studyId, dashboardId } = await dashboardWithData(tenant, t);
    const admin = await tenant.as('org_admin');
    const queued = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports`,
      payload: { format: 'pdf' },
    });
    expect(queued.statusCode, queued.body).toBe(202);
    const exportId = queued.json().data.id as string;
    await runJob(t.ctx, 'exports.render', { orgId: tenant.org.id, exportId });
    const signed = await t.request(admin, {
      method: 'POST',
      url: '/api/signatures',
      payload: {
        resourceType: 'export',
        resourceId: exportId,
        meaning: 'Approval',
        email: admin.user.email,
        password: TEST_PASSWORD,
      },
    });
    expect(signed.statusCode, signed.body).toBe(201);
    return { studyId, dashboardId, exportId };
  })();
  return signedPdf;
}

/** A report whose scheduled run failed after making its file (made once): what a resend needs. */
let failedRun: Promise<{ reportId: string; runId: string }> | undefined;
function failedReportRun(tenant: Tenant, t: TestApp) {
  failedRun ??= (async () => {
    const { studyId, dashboardId } = await dashboardWithData(tenant, t);
    const admin = await tenant.as('org_admin');
    const report = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${studyId}/scheduled-reports`,
      payload: {
        name: 'RBAC resend',
        dashboardId,
        schedule: { type: 'daily', time: '07:00', timeZone: 'UTC' },
        format: 'xlsx',
        recipients: [admin.user.email],
        subject: '{study}',
      },
    });
    expect(report.statusCode, report.body).toBe(201);
    const reportId = report.json().data.id as string;
    const { rows } = await t.admin.query(
      `insert into scheduled_report_runs (org_id, report_id, trigger, status, recipients, file_name, file_path, bytes, sha256, error)
       values ($1, $2, 'schedule', 'failed', $3, 'r.xlsx', '/nonexistent/r.xlsx', 1, $4, 'SMTP down') returning id`,
      [tenant.org.id, reportId, [admin.user.email], '0'.repeat(64)],
    );
    return { reportId, runId: rows[0].id as string };
  })();
  return failedRun;
}

const CASES: Case[] = [
  {
    name: "list a study's data sources",
    permission: 'data:view:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/data-sources` }),
  },
  {
    name: 'add an sFTP data source',
    permission: 'data:upload:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant, unique }) => ({
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/data-sources`,
      payload: {
        type: 'sftp',
        name: `Vendor ${unique}`,
        config: { host: 'sftp.invalid', username: 'cdp', remoteDir: '/outgoing' },
        secret: 'not-a-real-password',
      },
    }),
  },
  {
    name: 'list pipelines',
    permission: 'pipeline:view:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/pipelines` }),
  },
  {
    name: 'check a pipeline definition',
    permission: 'pipeline:configure:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant }) => ({
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/pipelines/check`,
      payload: {
        kind: 'sql',
        body: { statements: [{ name: 'x', sql: 'SELECT 1' }] },
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['x'],
      },
    }),
  },
  {
    name: 'list the datasets dashboards can read',
    permission: 'dashboard:view:assigned',
    allowed: ROLES,
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/dashboard-datasets` }),
  },
  {
    name: 'run a pipeline',
    permission: 'pipeline:execute:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant, t, unique }) => ({
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/pipelines/${await pipelineOf(t, tenant, unique)}/runs`,
    }),
  },
  {
    name: 'list studies',
    permission: 'study:view:assigned',
    allowed: ROLES,
    request: async () => ({ method: 'GET', url: '/api/studies' }),
  },
  {
    name: 'view a study',
    permission: 'study:view:assigned',
    allowed: ROLES,
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}` }),
  },
  {
    name: 'create a study',
    permission: 'study:create:own',
    allowed: ['org_admin'],
    request: async ({ unique }) => ({
      method: 'POST',
      url: '/api/studies',
      payload: { code: `RB-${unique}`, name: 'RBAC study', phase: 'I' },
    }),
  },
  {
    name: 'edit a study',
    permission: 'study:manage:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant }) => ({
      method: 'PATCH',
      url: `/api/studies/${tenant.study.id}`,
      payload: { therapeuticArea: 'Oncology' },
    }),
  },
  {
    name: 'lock a study',
    permission: 'study:manage:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant, t }) => {
      const study = await buildStudy(t.database, { orgId: tenant.org.id, status: 'active' });
      return {
        method: 'POST',
        url: `/api/studies/${study.id}/status`,
        payload: { status: 'locked', reason: 'db lock' },
      };
    },
  },
  {
    name: 'list users',
    permission: 'user:view:own',
    allowed: ['org_admin', 'study_manager'],
    request: async () => ({ method: 'GET', url: '/api/users' }),
  },
  {
    name: 'create a user',
    permission: 'user:create:own',
    allowed: ['org_admin'],
    request: async ({ unique }) => ({
      method: 'POST',
      url: '/api/users',
      payload: { email: `new-${unique}@test.cdp.local`, name: 'New Person', temporaryPassword: 'Temporary-Pass-8812' },
    }),
  },
  {
    name: 'deactivate a user',
    permission: 'user:manage:own',
    allowed: ['org_admin'],
    request: async ({ tenant, t }) => {
      const user = await t.user({ orgId: tenant.org.id, role: 'auditor' });
      return { method: 'POST', url: `/api/users/${user.id}/deactivate`, payload: { reason: 'rbac test' } };
    },
  },
  {
    name: 'list roles',
    permission: 'user:view:own',
    allowed: ['org_admin', 'study_manager'],
    request: async () => ({ method: 'GET', url: '/api/roles' }),
  },
  {
    name: 'create a custom role',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async ({ unique }) => ({
      method: 'POST',
      url: '/api/roles',
      payload: { key: `r_${unique.toLowerCase()}`, name: 'Custom', permissions: ['study:view:assigned'] },
    }),
  },
  {
    name: 'view the organization',
    permission: 'organization:view:own',
    allowed: ['org_admin'],
    request: async () => ({ method: 'GET', url: '/api/organization' }),
  },
  {
    name: 'search the audit trail',
    permission: 'audit:view:own',
    allowed: ['org_admin', 'auditor'],
    request: async () => ({ method: 'GET', url: '/api/audit' }),
  },
  {
    name: 'verify the audit chain',
    permission: 'audit:view:own',
    allowed: ['org_admin', 'auditor'],
    request: async () => ({ method: 'GET', url: '/api/audit/verify' }),
  },
  {
    name: 'export the audit trail',
    permission: 'audit:export:own',
    allowed: ['auditor'],
    request: async () => ({ method: 'GET', url: '/api/audit/export' }),
  },
  {
    name: 'read the security log',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async () => ({ method: 'GET', url: '/api/security-events' }),
  },
  {
    name: 'read every organization’s security log (platform)',
    permission: 'platform:manage:all',
    allowed: [],
    request: async () => ({ method: 'GET', url: '/api/platform/security-events' }),
  },
  {
    name: 'list organizations (platform)',
    permission: 'tenant:view:all',
    allowed: [],
    request: async () => ({ method: 'GET', url: '/api/platform/organizations' }),
  },
  {
    name: 'list API keys',
    permission: 'api:create_key:own',
    allowed: ['org_admin'],
    request: async () => ({ method: 'GET', url: '/api/api-keys' }),
  },
  {
    name: 'create an API key',
    permission: 'api:create_key:own',
    allowed: ['org_admin'],
    request: async () => ({
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'RBAC key', scopes: ['study:view:assigned'] },
    }),
  },
  {
    name: 'create an organization (platform)',
    permission: 'tenant:create:all',
    allowed: [],
    request: async ({ unique }) => ({
      method: 'POST',
      url: '/api/platform/organizations',
      payload: { code: `o-${unique.toLowerCase()}`, name: 'Should not exist' },
    }),
  },
  {
    name: 'list webhook endpoints',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async () => ({ method: 'GET', url: '/api/webhooks' }),
  },
  {
    name: 'add a webhook endpoint',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async ({ unique }) => ({
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: `https://hooks.example.com/${unique}`, events: ['data_version.created'] },
    }),
  },
  {
    name: 'rotate a webhook secret',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async ({ tenant, t, unique }) => {
      const admin = await tenant.as('org_admin');
      const created = await t.request(admin, {
        method: 'POST',
        url: '/api/webhooks',
        payload: { url: `https://hooks.example.com/${unique}`, events: ['webhook.test'] },
      });
      return { method: 'POST', url: `/api/webhooks/${created.json().data.id}/rotate-secret`, payload: {} };
    },
  },
  {
    name: 'change the compliance settings',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async () => ({
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { requireSignatureForActivation: false },
    }),
  },
  {
    name: "reset a user's two-factor sign-in",
    permission: 'user:manage:own',
    allowed: ['org_admin'],
    request: async ({ tenant, t }) => {
      const member = await tenant.as('auditor');
      const start = await t.request(member, { method: 'POST', url: '/api/me/mfa/enrol', payload: {} });
      const confirm = await t.request(member, {
        method: 'POST',
        url: '/api/me/mfa/confirm',
        payload: { code: totpCode(start.json().data.secret) },
      });
      expect(confirm.statusCode, confirm.body).toBe(200);
      return { method: 'POST', url: `/api/users/${member.user.id}/mfa/reset`, payload: { reason: 'Lost phone' } };
    },
  },
  {
    name: 'list scheduled reports',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/scheduled-reports` }),
  },
  {
    name: 'preview a report schedule',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant }) => ({
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/scheduled-reports/preview-schedule`,
      payload: { schedule: { type: 'weekly', days: ['mon'], time: '08:00', timeZone: 'Europe/Berlin' } },
    }),
  },
  {
    name: 'schedule a report',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t, unique }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      const admin = await tenant.as('org_admin');
      return {
        method: 'POST',
        url: `/api/studies/${studyId}/scheduled-reports`,
        payload: {
          name: `RBAC ${unique}`,
          dashboardId,
          schedule: { type: 'daily', time: '07:00', timeZone: 'UTC' },
          format: 'xlsx',
          recipients: [admin.user.email],
          subject: '{study}',
        },
      };
    },
  },
  {
    name: 'resend a failed report run',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t }) => {
      const { reportId, runId } = await failedReportRun(tenant, t);
      return {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/scheduled-reports/${reportId}/runs/${runId}/resend`,
      };
    },
  },
  {
    name: 'allow reports to external recipients',
    permission: 'organization:manage:own',
    allowed: ['org_admin'],
    request: async () => ({
      method: 'PUT',
      url: '/api/organization/report-settings',
      payload: { allowExternalRecipients: false },
    }),
  },
  {
    name: "read a dashboard page's data",
    permission: 'dashboard:view:assigned',
    allowed: ROLES,
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      return { method: 'GET', url: `/api/studies/${studyId}/dashboards/${dashboardId}/data` };
    },
  },
  {
    name: "read a subject listing's ordered subject ids",
    permission: 'dashboard:view:assigned',
    allowed: ROLES,
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      return {
        method: 'GET',
        url: `/api/studies/${studyId}/dashboards/${dashboardId}/widgets/subject-listing/subject-ids`,
      };
    },
  },
  {
    name: 'list the PHI classification of a study',
    permission: 'data:view:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/phi-columns` }),
  },
  {
    name: 'ask for PHI suggestions',
    permission: 'study:manage:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/phi-columns/suggestions` }),
  },
  {
    name: 'classify a column as PHI',
    permission: 'study:manage:assigned',
    allowed: ['org_admin', 'study_manager'],
    request: async ({ tenant, unique }) => ({
      method: 'PUT',
      url: `/api/studies/${tenant.study.id}/phi-columns`,
      payload: { dataset: 'DM', column: `C${unique}`.slice(0, 30), classification: 'phi' },
    }),
  },
  {
    name: 'search the PHI access log',
    permission: 'audit:view:own',
    allowed: ['org_admin', 'auditor'],
    request: async () => ({ method: 'GET', url: '/api/phi-access' }),
  },
  {
    name: 'read the PHI access report',
    permission: 'audit:view:own',
    allowed: ['org_admin', 'auditor'],
    request: async () => ({ method: 'GET', url: '/api/phi-access/report' }),
  },
  {
    name: 'export the PHI access log',
    permission: 'audit:export:own',
    allowed: ['auditor'],
    request: async () => ({ method: 'GET', url: '/api/phi-access/export' }),
  },
  {
    name: 'export a dashboard as PDF',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      return {
        method: 'POST',
        url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports`,
        payload: { format: 'pdf' },
      };
    },
  },
  {
    name: "download a signed export's signed copy",
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId, exportId } = await signedExport(tenant, t);
      return {
        method: 'GET',
        url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports/${exportId}/signed-file`,
      };
    },
  },
  {
    name: "list a dashboard's exports",
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      return { method: 'GET', url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports` };
    },
  },
  {
    name: 'download a widget as CSV',
    permission: 'dashboard:export:assigned',
    allowed: ['org_admin', 'study_manager', 'data_scientist', 'clinical_monitor'],
    request: async ({ tenant, t }) => {
      const { studyId, dashboardId } = await dashboardWithData(tenant, t);
      const admin = await tenant.as('org_admin');
      const page = await t.request(admin, {
        method: 'GET',
        url: `/api/studies/${studyId}/dashboards/${dashboardId}/data`,
      });
      const widgets = page.json().data.widgets as { id: string; data?: unknown }[];
      const drawn = widgets.find((w) => w.data);
      return {
        method: 'GET',
        url: `/api/studies/${studyId}/dashboards/${dashboardId}/widgets/${drawn?.id}/export?format=csv`,
      };
    },
  },
  {
    name: 'mark a record reviewed',
    permission: 'review:perform:assigned',
    allowed: ['org_admin', 'study_manager', 'clinical_monitor'],
    request: async ({ tenant, t, unique }) => {
      const { studyId } = await dashboardWithData(tenant, t);
      return {
        method: 'POST',
        url: `/api/studies/${studyId}/review/marks`,
        payload: { dataset: 'DM', key: { USUBJID: 'RB-001' }, comment: `RBAC ${unique}` },
      };
    },
  },
  {
    name: 'list who a review query can be assigned to',
    permission: 'review:perform:assigned',
    allowed: ['org_admin', 'study_manager', 'clinical_monitor'],
    request: async ({ tenant }) => ({ method: 'GET', url: `/api/studies/${tenant.study.id}/review/assignees` }),
  },
  {
    name: 'open a review query',
    permission: 'review:perform:assigned',
    allowed: ['org_admin', 'study_manager', 'clinical_monitor'],
    request: async ({ tenant, unique }) => ({
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/review/threads`,
      payload: { usubjid: 'RB-001', title: `RBAC ${unique}`, body: 'Please check' },
    }),
  },
];

let t: TestApp;
let tenant: Tenant;
const sessions = new Map<Role, Session>();
let counter = 0;

beforeAll(async () => {
  // Hundreds of sign-ins from one address within minutes: the sign-in limit is tested in auth.test.ts.
  t = await startTestApp({ loginRateLimitPerMinute: 10_000 });
  tenant = await t.tenant();
  for (const role of ROLES) sessions.set(role, await tenant.as(role));
});
afterAll(() => t.close());

describe('RBAC matrix', () => {
  for (const testCase of CASES) {
    for (const role of ROLES) {
      const allowed = testCase.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${testCase.name}`, async () => {
        counter += 1;
        const unique = `${Date.now().toString(36)}${counter}`.toUpperCase();
        const options = await testCase.request({ tenant, t, unique });
        const res = await t.request(sessions.get(role) ?? null, options);
        if (allowed) {
          expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
          expect(res.statusCode, res.body).toBeLessThan(300);
        } else {
          expect(res.statusCode, res.body).toBe(403);
          expect(res.json().error).toMatchObject({
            code: 'FORBIDDEN',
            details: { missingPermission: testCase.permission },
          });
          expect(res.json().error.message).toContain(testCase.permission);
        }
      });
    }
  }

  it('review status is read by data viewers and by reviewers (data:view or review:perform), not by auditors', async () => {
    const { studyId } = await dashboardWithData(tenant, t);
    for (const role of ROLES) {
      const res = await t.request(sessions.get(role) ?? null, {
        method: 'GET',
        url: `/api/studies/${studyId}/review/counts`,
      });
      if (role === 'auditor') {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.details).toMatchObject({ missingPermission: 'data:view:assigned' });
      } else {
        expect(res.statusCode, `${role}: ${res.body}`).toBe(200);
      }
    }
  });

  it("a subject's patient profile is read by data viewers and by reviewers (data:view or review:perform), not by auditors", async () => {
    const { studyId } = await dashboardWithData(tenant, t);
    for (const role of ROLES) {
      const res = await t.request(sessions.get(role) ?? null, {
        method: 'GET',
        url: `/api/studies/${studyId}/subjects/RB-001/profile`,
      });
      if (role === 'auditor') {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.details).toMatchObject({ missingPermission: 'data:view:assigned' });
      } else {
        expect(res.statusCode, `${role}: ${res.body}`).toBe(200);
      }
    }
  });

  it('the platform administrator may use the platform console', async () => {
    const platform = await t.login('platform@cdp.local');
    const list = await t.request(platform, { method: 'GET', url: '/api/platform/organizations' });
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((o: { id: string }) => o.id)).toContain(tenant.org.id);
  });

  it('a role limited to one study reaches that study only, and no organization-level action', async () => {
    const other = await buildStudy(t.database, { orgId: tenant.org.id });
    const manager = await tenant.as('study_manager', { studyId: tenant.study.id });
    const list = await t.request(manager, { method: 'GET', url: '/api/studies' });
    expect(list.json().data.map((s: { id: string }) => s.id)).toEqual([tenant.study.id]);
    expect((await t.request(manager, { method: 'GET', url: `/api/studies/${other.id}` })).statusCode).toBe(404);
    const edit = await t.request(manager, {
      method: 'PATCH',
      url: `/api/studies/${tenant.study.id}`,
      payload: { description: 'edited by a study-limited manager' },
    });
    expect(edit.statusCode).toBe(200);
    // user:view:own comes with study_manager, but only organization-wide.
    expect((await t.request(manager, { method: 'GET', url: '/api/users' })).statusCode).toBe(403);
  });

  it('an expired role assignment grants nothing', async () => {
    const user = await t.user({
      orgId: tenant.org.id,
      role: 'study_manager',
      expiresAt: new Date(Date.now() + 60_000),
    });
    const session = await t.login(user.email);
    expect((await t.request(session, { method: 'GET', url: '/api/users' })).statusCode).toBe(200);
    await t.admin.query(`update role_assignments set expires_at = now() - interval '1 minute' where user_id = $1`, [
      user.id,
    ]);
    const res = await t.request(session, { method: 'GET', url: '/api/users' });
    expect(res.statusCode).toBe(403);
    expect((await t.request(session, { method: 'GET', url: '/api/studies' })).statusCode).toBe(403);
  });
});

/**
 * The same cases with API keys of a creator who holds everything: a key holding the case's
 * permission may, a key holding every other scope may not (403 naming it). Permissions a key can never hold are refused to a key
 * holding every scope.
 */
describe('RBAC matrix with API keys', () => {
  let creator: Session;
  beforeAll(async () => {
    creator = await everythingUser(t, tenant);
  });

  const uniqueId = () => {
    counter += 1;
    return `${Date.now().toString(36)}${counter}`.toUpperCase();
  };

  for (const testCase of CASES) {
    const keyable = API_KEY_SCOPES.includes(testCase.permission as (typeof API_KEY_SCOPES)[number]);
    if (keyable) {
      it(`a key with ${testCase.permission} may ${testCase.name}`, async () => {
        const key = await keySession(t, creator, {
          scopes: [...new Set([testCase.permission, 'study:view:assigned'])],
        });
        const res = await t.request(key, await testCase.request({ tenant, t, unique: uniqueId() }));
        expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
        expect(res.statusCode, res.body).toBeLessThan(300);
      });
    }
    it(`a key without ${testCase.permission} may not ${testCase.name}`, async () => {
      const scopes = API_KEY_SCOPES.filter((s) => !satisfies(s, testCase.permission));
      const key = await keySession(t, creator, { scopes });
      const options = await testCase.request({ tenant, t, unique: uniqueId() });
      const res = await t.request(key, options);
      expect(res.statusCode, res.body).toBe(403);
      // Routes that manage keys refuse any key before asking for the permission.
      const details = String(options.url).startsWith('/api/api-keys')
        ? { actorType: 'api_key' }
        : { missingPermission: testCase.permission };
      expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details });
    });
  }

  it('a key reads a patient profile with data:view or review:perform, and not with neither', async () => {
    const { studyId } = await dashboardWithData(tenant, t);
    const url = `/api/studies/${studyId}/subjects/RB-001/profile`;
    for (const scope of ['data:view:assigned', 'review:perform:assigned']) {
      const key = await keySession(t, creator, { scopes: ['study:view:assigned', scope] });
      const res = await t.request(key, { method: 'GET', url });
      expect(res.statusCode, `${scope}: ${res.body}`).toBe(200);
    }
    const scopes = API_KEY_SCOPES.filter(
      (s) => !satisfies(s, 'data:view:assigned') && !satisfies(s, 'review:perform:assigned'),
    );
    const res = await t.request(await keySession(t, creator, { scopes }), { method: 'GET', url });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.details).toMatchObject({ missingPermission: 'data:view:assigned' });
  });

  it('API key routes refuse keys of every scope', async () => {
    const key = await keySession(t, creator, { scopes: API_KEY_SCOPES });
    for (const options of [
      { method: 'GET' as const, url: '/api/api-keys' },
      { method: 'GET' as const, url: `/api/api-keys/${key.keyId}` },
      {
        method: 'POST' as const,
        url: '/api/api-keys',
        payload: { name: 'Key made by a key', scopes: ['study:view:assigned'] },
      },
      {
        method: 'POST' as const,
        url: `/api/api-keys/${key.keyId}/revoke`,
        payload: { reason: 'a key revoking itself' },
      },
    ]) {
      const res = await t.request(key, options);
      expect(res.statusCode, `${options.method} ${options.url}`).toBe(403);
    }
  });
});
