import { API_KEY_EXCLUDED_PERMISSIONS, API_KEY_SCOPES, type Permission, TENANT_PERMISSIONS } from '@cdp/contracts';
import { grantRole } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionOnlyRoute } from '../src/auth/api-key-actor.ts';
import { runJob } from '../src/jobs/run-job.ts';
import { keySession } from './api-key-session.ts';
import { multipartFile, type Session, startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';

/**
 * Walks EVERY route registered in Fastify with a user of a second organization who holds every
 * tenant permission, pointing it at the first organization's resources. Routes added later are
 * covered automatically: a route this test cannot classify or fill in makes it fail.
 */

let t: TestApp;
let victim: {
  orgId: string;
  studyId: string;
  userId: string;
  userEmail: string;
  roleId: string;
  assignmentId: string;
  studyCode: string;
  versionId: string;
  dashboardId: string;
  exportId: string;
  templateId: string;
  pipelineId: string;
  runId: string;
  outputId: string;
  apiKeyId: string;
  webhookId: string;
  deliveryId: string;
  sourceId: string;
  pullId: string;
  signatureId: string;
  reportId: string;
  reportRunId: string;
  threadId: string;
};
let intruder: Session;
/** An API key of the intruder's organization holding every scope a key can hold. */
let intruderKey: Session;

/** Not tenant resources: nothing to isolate (health, docs, the caller's own credentials, the web app). */
const PUBLIC_OR_SELF = new Set([
  'GET /api/health',
  'GET /api/ready',
  'GET /api/openapi.json',
  'GET /api/postman-collection',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'POST /api/auth/change-password',
  'POST /api/auth/login/mfa',
  'POST /api/auth/login/mfa/enrol',
  'POST /api/auth/login/mfa/enrol/confirm',
  'GET /',
  'GET /*',
]);

/** A SQL pipeline over the victim's one dataset. */
const PIPELINE = {
  name: 'Victim pipeline',
  kind: 'sql',
  body: { statements: [{ name: 'adults', sql: 'SELECT * FROM DM WHERE AGE >= 18' }] },
  inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
  outputs: ['adults'],
};

/** An sFTP source's settings: .invalid never resolves, nothing leaves this machine. */
const SFTP_CONFIG = { host: 'sftp.invalid', username: 'cdp', remoteDir: '/outgoing', pattern: '*.zip' };

/** A body that passes validation, so the request reaches the tenant check. */
const BODIES: Record<string, unknown> = {
  'POST /api/studies/:id/dashboards/:did/exports': { format: 'pdf' },
  'PATCH /api/studies/:id': { name: 'Renamed by another tenant' },
  'POST /api/studies/:id/status': { status: 'archived', reason: 'cross-tenant attempt' },
  'PATCH /api/users/:id': { name: 'Renamed by another tenant' },
  'POST /api/users/:id/deactivate': { reason: 'cross-tenant attempt' },
  'POST /api/users/:id/reactivate': { reason: 'cross-tenant attempt' },
  'POST /api/users/:id/reset-password': { temporaryPassword: 'Intruder-Chosen-Pass-42' },
  'POST /api/users/:id/roles': { roleId: '00000000-0000-4000-8000-000000000000', studyId: null },
  'PATCH /api/roles/:id': { name: 'Renamed by another tenant' },
  'PATCH /api/platform/organizations/:id': { name: 'Renamed by another tenant' },
  'POST /api/platform/organizations/:id/deactivate': { reason: 'cross-tenant attempt' },
  'POST /api/platform/organizations/:id/reactivate': { reason: 'cross-tenant attempt' },
  'POST /api/platform/organizations': { code: 'intruder-org', name: 'Intruder' },
  'POST /api/studies/:id/versions/:vid/activate': { reason: 'cross-tenant attempt' },
  'POST /api/studies/:id/dashboards': { name: 'Intruder dashboard', templateId: 'clinical-study-overview' },
  'PUT /api/studies/:id/dashboards/:did': {
    version: 1,
    document: { schemaVersion: 2, filters: [], pages: [{ id: 'p', title: 'Taken over', layout: [], widgets: {} }] },
  },
  'POST /api/studies/:id/dashboards/:did/versions/:version/restore': { version: 1 },
  'POST /api/studies/:id/widgets/preview': {
    widget: {
      type: 'total-screened',
      title: 'Screened',
      optionsVersion: 1,
      options: {},
      data: { dataset: 'DM', population: 'DM', mapping: { subject_id: 'USUBJID' } },
    },
  },
  'POST /api/studies/:id/widgets/suggest': { type: 'total-screened' },
  'POST /api/studies/:id/pipelines': PIPELINE,
  'PUT /api/studies/:id/pipelines/:pid': { ...PIPELINE, version: 1 },
  'POST /api/studies/:id/pipelines/:pid/versions/:version/restore': { version: 1 },
  'POST /api/studies/:id/pipelines/check': {
    kind: PIPELINE.kind,
    body: PIPELINE.body,
    inputs: PIPELINE.inputs,
    outputs: PIPELINE.outputs,
  },
  'POST /api/studies/:id/pipelines/preview': {
    body: { steps: [{ operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'x' } }] },
    inputs: PIPELINE.inputs,
    step: 0,
  },
  'POST /api/api-keys/:id/revoke': { reason: 'cross-tenant attempt' },
  'PUT /api/studies/:id/phi-columns': { dataset: 'DM', column: 'AGE', classification: 'phi' },
  'POST /api/users/:id/mfa/reset': { reason: 'cross-tenant attempt' },
  'PATCH /api/webhooks/:id': { description: 'Changed by another tenant' },
  'POST /api/studies/:id/data-sources': {
    type: 'sftp',
    name: 'Intruder source',
    config: SFTP_CONFIG,
    secret: 'intruder-secret',
  },
  'POST /api/studies/:id/data-sources/test': { type: 'sftp', config: SFTP_CONFIG, secret: 'intruder-secret' },
  'POST /api/studies/:id/data-sources/rave-studies': {
    config: { baseUrl: 'https://rave.invalid', project: 'P', environment: 'Prod' },
    secret: 'intruder-secret',
  },
  'PATCH /api/studies/:id/data-sources/:sid': { name: 'Renamed by another tenant' },
  'PUT /api/studies/:id/data-sources/:sid/secret': { secret: 'intruder-secret' },
  'POST /api/webhooks/:id/rotate-secret': { overlapHours: 1 },
  'POST /api/studies/:id/scheduled-reports/preview-schedule': {
    schedule: { type: 'daily', time: '08:00', timeZone: 'UTC' },
  },
  'POST /api/studies/:id/scheduled-reports': reportBody('00000000-0000-4000-8000-000000000000'),
  'PUT /api/studies/:id/scheduled-reports/:reportId': reportBody('00000000-0000-4000-8000-000000000000'),
  'POST /api/studies/:id/review/marks': { dataset: 'DM', key: { USUBJID: 'VICTIM-001' } },
  'POST /api/studies/:id/review/unmark': { dataset: 'DM', key: { USUBJID: 'VICTIM-001' } },
  'POST /api/studies/:id/review/threads': { usubjid: 'VICTIM-001', title: 'Intruder', body: 'cross-tenant attempt' },
  'POST /api/studies/:id/review/threads/:threadId/messages': { body: 'cross-tenant attempt' },
  'PATCH /api/studies/:id/review/threads/:threadId': { status: 'closed' },
};

/** A scheduled report that passes validation. */
function reportBody(dashboardId: string, recipient = 'intruder@example.com') {
  return {
    name: 'Victim report',
    dashboardId,
    schedule: { type: 'weekly', days: ['mon'], time: '08:00', timeZone: 'Europe/Berlin' },
    format: 'pdf',
    recipients: [recipient],
    subject: '{study} weekly',
  };
}

/** A query string that passes validation, so the request reaches the tenant check. */
const QUERIES: Record<string, string> = {
  'GET /api/studies/:id/versions/:vid/datasets/:name/profile': '?column=AGE',
  'GET /api/studies/:id/dashboards/:did/diff': '?from=1&to=1',
  'GET /api/studies/:id/pipelines/:pid/diff': '?from=1&to=1',
  'GET /api/studies/:id/dashboards/:did/widgets/:wid/export': '?format=csv',
  'GET /api/studies/:id/review/datasets/:dataset/history': '?key=USUBJID%3DVICTIM-001',
};

/** Routes that take a file rather than JSON. */
const UPLOADS: Record<string, () => ReturnType<typeof multipartFile>> = {
  'POST /api/studies/:id/uploads': () => multipartFile('dm.csv', 'USUBJID,AGE\nINTRUDER-1,40\n'),
};

function fillParams(url: string): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    if (name === 'assignmentId') return victim.assignmentId;
    if (name === 'vid' || name === 'a' || name === 'b') return victim.versionId;
    if (name === 'name') return 'DM';
    if (name === 'did') return victim.dashboardId;
    if (name === 'wid') return 'total-screened';
    if (name === 'fid') return 'arm';
    if (name === 'version') return '1';
    if (name === 'tid') return victim.templateId;
    if (name === 'pid') return victim.pipelineId;
    if (name === 'rid') return victim.runId;
    if (name === 'oid') return victim.outputId;
    if (name === 'deliveryId') return victim.deliveryId;
    if (name === 'dataset') return 'DM';
    if (name === 'column') return 'AGE';
    if (name === 'eid') return victim.exportId;
    if (name === 'sid') return victim.sourceId;
    if (name === 'pullId') return victim.pullId;
    if (name === 'reportId') return victim.reportId;
    if (name === 'runId') return victim.reportRunId;
    if (name === 'subjectId') return 'VICTIM-001';
    if (name === 'threadId') return victim.threadId;
    if (name === 'usubjid') return 'VICTIM-001';
    if (name !== 'id') throw new Error(`${url}: the isolation test does not know parameter :${name}; teach it.`);
    if (url.startsWith('/api/studies/')) return victim.studyId;
    if (url.startsWith('/api/users/')) return victim.userId;
    if (url.startsWith('/api/roles/')) return victim.roleId;
    if (url.startsWith('/api/platform/organizations/')) return victim.orgId;
    if (url.startsWith('/api/api-keys/')) return victim.apiKeyId;
    if (url.startsWith('/api/webhooks/')) return victim.webhookId;
    if (url.startsWith('/api/signatures/')) return victim.signatureId;
    throw new Error(`${url}: the isolation test does not know which resource :id names; teach it.`);
  });
}

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.tenant();
  const user = await t.user({ orgId: a.org.id, role: 'data_scientist' });
  const custom = await a.as('org_admin');
  const role = await t.request(custom, {
    method: 'POST',
    url: '/api/roles',
    payload: { key: 'reviewer', name: 'Reviewer', permissions: ['study:view:assigned'] },
  });
  expect(role.statusCode).toBe(201);
  const assignmentId = await grantRole(t.database, user, 'auditor', a.study.id);
  const upload = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE\nVICTIM-001,63\n'),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const dashboard = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/dashboards`,
    payload: { name: 'Victim overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  const dashboardId = dashboard.json().data.id;
  const exported = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/dashboards/${dashboardId}/exports`,
    payload: { format: 'xlsx' },
  });
  expect(exported.statusCode, exported.body).toBe(202);
  const exportId = exported.json().data.id;
  await runJob(t.ctx, 'exports.render', { orgId: a.org.id, exportId });
  const template = await t.request(custom, {
    method: 'POST',
    url: '/api/dashboard-templates',
    payload: { name: 'Victim template', studyId: a.study.id, dashboardId },
  });
  expect(template.statusCode, template.body).toBe(201);
  const pipeline = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/pipelines`,
    payload: PIPELINE,
  });
  expect(pipeline.statusCode, pipeline.body).toBe(201);
  const pipelineId = pipeline.json().data.id;
  const queued = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/pipelines/${pipelineId}/runs`,
  });
  expect(queued.statusCode, queued.body).toBe(202);
  const runId = queued.json().data.id;
  // Run here, without a worker: the handler is what a worker calls.
  await runJob(t.ctx, 'pipelines.run', { orgId: a.org.id, runId });
  const { rows: outputs } = await t.admin.query('select id from pipeline_outputs where run_id = $1', [runId]);
  expect(outputs).toHaveLength(1);
  const victimKey = await keySession(t, custom, { name: 'Victim key', scopes: ['study:view:assigned'] });
  // .invalid never resolves: nothing leaves this machine if a worker picks the test event up.
  const webhook = await t.request(custom, {
    method: 'POST',
    url: '/api/webhooks',
    payload: { url: 'https://victim.invalid/hooks', events: ['data_version.created'] },
  });
  expect(webhook.statusCode, webhook.body).toBe(201);
  const webhookTest = await t.request(custom, { method: 'POST', url: `/api/webhooks/${webhook.json().data.id}/test` });
  expect(webhookTest.statusCode, webhookTest.body).toBe(202);
  const source = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/data-sources`,
    payload: { type: 'sftp', name: 'Victim sFTP', config: SFTP_CONFIG, secret: 'victim-secret' },
  });
  expect(source.statusCode, source.body).toBe(201);
  const pull = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/data-sources/${source.json().data.id}/pulls`,
  });
  expect(pull.statusCode, pull.body).toBe(202);
  const signature = await t.request(custom, {
    method: 'POST',
    url: '/api/signatures',
    payload: {
      resourceType: 'dashboard_version',
      resourceId: `${dashboardId}:1`,
      meaning: 'Approval',
      email: custom.user.email,
      password: TEST_PASSWORD,
    },
  });
  expect(signature.statusCode, signature.body).toBe(201);
  const report = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/scheduled-reports`,
    payload: reportBody(dashboardId, custom.user.email),
  });
  expect(report.statusCode, report.body).toBe(201);
  const reportTest = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/scheduled-reports/${report.json().data.id}/test`,
  });
  expect(reportTest.statusCode, reportTest.body).toBe(202);
  const marked = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/review/marks`,
    payload: { dataset: 'DM', key: { USUBJID: 'VICTIM-001' } },
  });
  expect(marked.statusCode, marked.body).toBe(201);
  const thread = await t.request(custom, {
    method: 'POST',
    url: `/api/studies/${a.study.id}/review/threads`,
    payload: { usubjid: 'VICTIM-001', title: 'Victim query', body: 'Please check' },
  });
  expect(thread.statusCode, thread.body).toBe(201);
  victim = {
    threadId: thread.json().data.id,
    sourceId: source.json().data.id,
    pullId: pull.json().data.id,
    signatureId: signature.json().data.id,
    reportId: report.json().data.id,
    reportRunId: reportTest.json().data.runId,
    webhookId: webhook.json().data.id,
    deliveryId: webhookTest.json().data.deliveryId,
    pipelineId,
    runId,
    outputId: outputs[0].id,
    apiKeyId: victimKey.keyId,
    dashboardId,
    exportId,
    templateId: template.json().data.id,
    orgId: a.org.id,
    studyId: a.study.id,
    studyCode: a.study.code,
    userId: user.id,
    userEmail: user.email,
    roleId: role.json().data.id,
    assignmentId,
    versionId: upload.json().data.id,
  };

  // The intruder: an organization of its own, and a role holding every tenant permission.
  const b = await t.tenant();
  const admin = await b.as('org_admin');
  const everything = await t.request(admin, {
    method: 'POST',
    url: '/api/roles',
    payload: { key: 'everything', name: 'Everything', permissions: TENANT_PERMISSIONS },
  });
  expect(everything.statusCode).toBe(201);
  intruder = await b.as('org_admin');
  await grantRole(t.database, intruder.user, 'everything');
  intruder = { ...(await t.login(intruder.user.email)), user: intruder.user };
  intruderKey = await keySession(t, intruder, { name: 'Intruder key', scopes: API_KEY_SCOPES });
});

const INTRUDERS = [
  { as: 'a user', session: () => intruder },
  { as: 'an API key', session: () => intruderKey },
];
afterAll(() => t.close());

describe('tenant isolation', () => {
  it('covers a meaningful set of routes', () => {
    const api = t.routes.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');
    expect(api.length).toBeGreaterThan(30);
  });

  it.each(INTRUDERS)(
    'every route with an id answers 404 (403 on platform routes) to $as of another organization',
    async ({ as, session }) => {
      const isKey = as === 'an API key';
      const checked: string[] = [];
      for (const route of t.routes) {
        const key = `${route.method} ${route.url}`;
        if (route.method === 'HEAD' || route.method === 'OPTIONS') continue;
        if (PUBLIC_OR_SELF.has(key) || route.url.startsWith('/api/docs')) continue;
        const hasParams = route.url.includes(':');
        const isPlatform = route.url.startsWith('/api/platform/');
        if (!hasParams && !isPlatform) continue; // collections: see the next test

        const res = await t.request(session(), {
          method: route.method as 'GET',
          url: fillParams(route.url) + (QUERIES[key] ?? ''),
          ...(BODIES[key] !== undefined ? { payload: BODIES[key] as object } : {}),
          ...(UPLOADS[key]?.() ?? {}),
        });
        // Platform routes are 403 to tenants; a key is refused outright on the key-management routes.
        const expected = isPlatform || (isKey && isSessionOnlyRoute(route.url)) ? 403 : 404;
        // A key never holds the permissions to manage users or roles: refused before any lookup.
        const missing = res.statusCode === 403 ? res.json().error.details?.missingPermission : undefined;
        if (isKey && API_KEY_EXCLUDED_PERMISSIONS.includes(missing as Permission)) {
          expect(res.body).not.toContain(victim.userEmail);
          checked.push(key);
          continue;
        }
        expect(res.statusCode, `${key} → ${res.body}`).toBe(expected);
        expect(res.body).not.toContain(victim.userEmail);
        checked.push(key);
      }
      expect(checked.length).toBeGreaterThan(15);
    },
  );

  it.each(INTRUDERS)(
    'collections never list another organization’s resources to $as, and a body cannot pick the tenant',
    async ({ as, session }) => {
      const isKey = as === 'an API key';
      const secrets = [
        victim.orgId,
        victim.studyId,
        victim.userId,
        victim.userEmail,
        victim.roleId,
        victim.studyCode,
        victim.dashboardId,
        victim.templateId,
        'Victim template',
        victim.apiKeyId,
        'Victim key',
        victim.webhookId,
        'victim.invalid',
        victim.signatureId,
        victim.reportId,
        'Victim report',
        'Victim query',
      ];
      for (const route of t.routes) {
        const key = `${route.method} ${route.url}`;
        if (route.url.includes(':') || !route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) continue;
        if (route.url.startsWith('/api/platform/') || PUBLIC_OR_SELF.has(key) || route.method === 'HEAD') continue;

        if (route.method === 'GET') {
          const res = await t.request(session(), { method: 'GET', url: route.url });
          // A key never holds organization:manage:own (the security log, webhooks) and never reaches session routes.
          const refused =
            isKey &&
            (isSessionOnlyRoute(route.url) ||
              route.url === '/api/security-events' ||
              route.url === '/api/organization/report-settings' ||
              route.url.startsWith('/api/webhooks'));
          expect(res.statusCode, key).toBe(refused ? 403 : 200);
          for (const secret of secrets) expect(res.body, `${key} leaks ${secret}`).not.toContain(secret);
        } else {
          // Naming the victim's organization in the body is refused outright.
          const res = await t.request(session(), {
            method: route.method as 'POST',
            url: route.url,
            payload: { orgId: victim.orgId, organizationId: victim.orgId },
          });
          expect(res.statusCode, `${key} → ${res.body}`).toBe(isKey && isSessionOnlyRoute(route.url) ? 403 : 400);
        }
      }
    },
  );

  it('left the other organization exactly as it was, with nothing in its audit trail from the intruder', async () => {
    const { rows: study } = await t.admin.query('select name, status from studies where id = $1', [victim.studyId]);
    expect(study[0]).toMatchObject({ status: 'active' });
    expect(study[0].name).not.toMatch(/another tenant/);
    const { rows: user } = await t.admin.query('select name, status, must_change_password from users where id = $1', [
      victim.userId,
    ]);
    expect(user[0]).toMatchObject({ status: 'active', must_change_password: false });
    const { rows: org } = await t.admin.query('select name, status from organizations where id = $1', [victim.orgId]);
    expect(org[0]).toMatchObject({ status: 'active' });
    const { rows: events } = await t.admin.query(
      'select count(*)::int as n from audit_events where org_id = $1 and actor_id in ($2, $3)',
      [victim.orgId, intruder.user.id, (intruderKey as Session & { keyId: string }).keyId],
    );
    expect(events[0].n).toBe(0);
    const { rows: versions } = await t.admin.query('select count(*)::int as n from data_versions where study_id = $1', [
      victim.studyId,
    ]);
    expect(versions[0].n).toBe(1);
    const { rows: failures } = await t.admin.query(
      'select count(*)::int as n from upload_failures where study_id = $1',
      [victim.studyId],
    );
    expect(failures[0].n).toBe(0);
    const { rows: active } = await t.admin.query('select active_data_version_id from studies where id = $1', [
      victim.studyId,
    ]);
    expect(active[0].active_data_version_id).toBe(victim.versionId);
    const { rows: dashboards } = await t.admin.query(
      'select name, version, deleted_at from dashboards where study_id = $1',
      [victim.studyId],
    );
    expect(dashboards).toEqual([{ name: 'Victim overview', version: 1, deleted_at: null }]);
    const { rows: templates } = await t.admin.query(
      'select count(*)::int as n from dashboard_templates where org_id = $1',
      [victim.orgId],
    );
    expect(templates[0].n).toBe(1);
    const { rows: pipelines } = await t.admin.query('select name, version from pipelines where study_id = $1', [
      victim.studyId,
    ]);
    expect(pipelines).toEqual([{ name: 'Victim pipeline', version: 1 }]);
    const { rows: runs } = await t.admin.query('select status from pipeline_runs where study_id = $1', [
      victim.studyId,
    ]);
    expect(runs).toEqual([{ status: 'SUCCEEDED' }]);
    const { rows: keys } = await t.admin.query('select revoked_at from api_keys where org_id = $1', [victim.orgId]);
    expect(keys).toEqual([{ revoked_at: null }]);
    const { rows: webhooks } = await t.admin.query(
      'select url, description, enabled, deleted_at, previous_secret from webhook_endpoints where org_id = $1',
      [victim.orgId],
    );
    expect(webhooks).toEqual([
      { url: 'https://victim.invalid/hooks', description: '', enabled: true, deleted_at: null, previous_secret: null },
    ]);
    const { rows: deliveries } = await t.admin.query(
      'select count(*)::int as n from webhook_deliveries where org_id = $1',
      [victim.orgId],
    );
    expect(deliveries[0].n).toBe(1);
    const { rows: reports } = await t.admin.query(
      'select name, active, deleted_at, recipients from scheduled_reports where org_id = $1',
      [victim.orgId],
    );
    expect(reports).toEqual([
      { name: 'Victim report', active: true, deleted_at: null, recipients: [expect.any(String)] },
    ]);
    const { rows: reportRuns } = await t.admin.query(
      'select count(*)::int as n from scheduled_report_runs where org_id = $1',
      [victim.orgId],
    );
    expect(reportRuns[0].n).toBe(1);
  });
});
