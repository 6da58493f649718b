import { TENANT_PERMISSIONS, VIEW_PHI } from '@cdp/contracts';
import { grantRole } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../src/jobs/run-job.ts';
import { multipartFile, type Session, startTestApp, type TestApp } from './harness.ts';

/**
 * Walks every data-returning route of a study, as a reader who holds every tenant permission but
 * `data:view_phi:assigned` and as one who holds it too, on an uploaded DM with a birth date and
 * initials classified PHI: without the permission no response body holds a clear PHI value.
 * Routes added later are walked by themselves (they come from Fastify's route list).
 */

/** Birth dates and initials that appear nowhere else: a clear value in a body is a leak. */
const SUBJECTS = [
  ['PHI-001', '1951-03-17', 'QJX', 71, 'F', 'Placebo'],
  ['PHI-002', '1948-11-02', 'ZVW', 75, 'M', 'Xanomeline High Dose'],
  ['PHI-003', '1960-07-29', 'XQK', 63, 'F', 'Xanomeline Low Dose'],
  ['PHI-004', '1955-01-08', 'WJZ', 68, 'M', 'Placebo'],
] as const;
const DM_CSV = `STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,BRTHDTC,SUBJINIT,AGE,AGEU,SEX,RACE,ARM,ARMCD,ACTARM,ACTARMCD,COUNTRY,RFSTDTC\n${SUBJECTS.map(
  ([id, birth, initials, age, sex, arm], i) =>
    `PHI,DM,${id},${id.slice(4)},70${i % 2},${birth},${initials},${age},YEARS,${sex},WHITE,${arm},${arm.slice(0, 3).toUpperCase()},${arm},${arm.slice(0, 3).toUpperCase()},USA,2014-01-0${i + 2}`,
).join('\n')}\n`;
/** The second version changes one birth date: the diff must not show it either. */
const DM_CSV_2 = DM_CSV.replace('1960-07-29', '1960-08-30');

const CLEAR_VALUES = [...SUBJECTS.flatMap(([, birth, initials]) => [birth, initials]), '1960-08-30'];
const PIPELINE = {
  name: 'Copy DM',
  kind: 'sql',
  body: { statements: [{ name: 'dm_copy', sql: 'SELECT * FROM DM' }] },
  inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
  outputs: ['dm_copy'],
};

let t: TestApp;
let studyId: string;
let orgId: string;
let masked: Session;
let cleared: Session;
let manager: Session;
const ids = {
  versionId: '',
  firstVersionId: '',
  dashboardId: '',
  pipelineId: '',
  runId: '',
  outputId: '',
  exportId: '',
  sourceId: '',
  pullId: '',
  reportId: '',
  reportRunId: '',
  threadId: '',
};
let widgetIds: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
  const admin = await tenant.as('org_admin');
  const roles: Record<string, string> = {};
  for (const [key, permissions] of [
    ['no_phi', TENANT_PERMISSIONS.filter((p) => p !== VIEW_PHI)],
    ['with_phi', TENANT_PERMISSIONS],
  ] as const) {
    const role = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: { key, name: key, permissions },
    });
    expect(role.statusCode, role.body).toBe(201);
    roles[key] = role.json().data.id;
  }
  masked = await tenant.as('auditor');
  await grantRole(t.database, masked.user, 'no_phi');
  masked = { ...(await t.login(masked.user.email)), user: masked.user };
  cleared = await tenant.as('auditor');
  await grantRole(t.database, cleared.user, 'with_phi');
  cleared = { ...(await t.login(cleared.user.email)), user: cleared.user };

  const first = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('dm.csv', DM_CSV),
  });
  expect(first.statusCode, first.body).toBe(201);
  ids.firstVersionId = first.json().data.id;
  const second = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('dm.csv', DM_CSV_2),
  });
  expect(second.statusCode, second.body).toBe(201);
  ids.versionId = second.json().data.id;
  const activate = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/versions/${ids.versionId}/activate`,
    payload: { reason: 'second load' },
  });
  expect([200, 409]).toContain(activate.statusCode);

  for (const column of ['BRTHDTC', 'SUBJINIT']) {
    const res = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/phi-columns`,
      payload: { dataset: 'DM', column, classification: 'phi' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  // The stored files are sealed as the classification says (encryption at rest): every route below
  // reads them through the sidecar for the cleared reader, and the masked file for the other.
  expect(await runJob(t.ctx, 'phi.protect', { orgId, studyId })).toMatchObject({ status: 'done' });

  const dashboard = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  ids.dashboardId = dashboard.json().data.id;
  widgetIds = dashboard.json().data.document.pages.flatMap((p: { widgets: object }) => Object.keys(p.widgets));

  const pipeline = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/pipelines`,
    payload: PIPELINE,
  });
  expect(pipeline.statusCode, pipeline.body).toBe(201);
  ids.pipelineId = pipeline.json().data.id;
  const queued = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/pipelines/${ids.pipelineId}/runs`,
  });
  expect(queued.statusCode, queued.body).toBe(202);
  ids.runId = queued.json().data.id;
  await runJob(t.ctx, 'pipelines.run', { orgId, runId: ids.runId });
  const { rows } = await t.admin.query('select id from pipeline_outputs where run_id = $1', [ids.runId]);
  expect(rows).toHaveLength(1);
  ids.outputId = rows[0].id;

  // Real records for the routes under exports, data sources, scheduled reports and review threads,
  // so that the walk reads them rather than answering 404 for an id of nothing.
  const exported = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards/${ids.dashboardId}/exports`,
    payload: { format: 'xlsx' },
  });
  expect(exported.statusCode, exported.body).toBe(202);
  ids.exportId = exported.json().data.id;
  await runJob(t.ctx, 'exports.render', { orgId, exportId: ids.exportId });
  // .invalid never resolves: the pull stays queued (no worker runs here), which is all the walk reads.
  const source = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/data-sources`,
    payload: {
      type: 'sftp',
      name: 'PHI sFTP',
      config: { host: 'sftp.invalid', username: 'cdp', remoteDir: '/outgoing', pattern: '*.zip' },
      secret: 'phi-walk-secret',
    },
  });
  expect(source.statusCode, source.body).toBe(201);
  ids.sourceId = source.json().data.id;
  const pull = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/data-sources/${ids.sourceId}/pulls`,
  });
  expect(pull.statusCode, pull.body).toBe(202);
  ids.pullId = pull.json().data.id;
  const report = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/scheduled-reports`,
    payload: {
      name: 'PHI walk report',
      dashboardId: ids.dashboardId,
      schedule: { type: 'daily', time: '07:00', timeZone: 'UTC' },
      format: 'xlsx',
      recipients: [manager.user.email],
      subject: '{study}',
    },
  });
  expect(report.statusCode, report.body).toBe(201);
  ids.reportId = report.json().data.id;
  const reportTest = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/scheduled-reports/${ids.reportId}/test`,
  });
  expect(reportTest.statusCode, reportTest.body).toBe(202);
  ids.reportRunId = reportTest.json().data.runId;
  const thread = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/review/threads`,
    payload: { usubjid: 'PHI-003', title: 'Birth date query', body: 'Please check the birth date' },
  });
  expect(thread.statusCode, thread.body).toBe(201);
  ids.threadId = thread.json().data.id;
});
afterAll(() => t.close());

/** Every way a route's parameters are filled; a route with several (widgets, datasets) is asked once per value. */
function urlsOf(url: string): string[] {
  let urls = [url];
  const each = (name: string, values: string[]) => {
    urls = urls.flatMap((u) => (u.includes(`:${name}`) ? values.map((v) => u.replace(`:${name}`, v)) : [u]));
  };
  each('wid', widgetIds);
  each('name', ['DM', 'dm_copy']);
  each('vid', [ids.versionId, ids.outputId]);
  return urls.map((u) =>
    u.replace(/:(\w+)/g, (_m, name: string) => {
      const value: Record<string, string> = {
        id: studyId,
        a: ids.firstVersionId,
        b: ids.versionId,
        did: ids.dashboardId,
        pid: ids.pipelineId,
        rid: ids.runId,
        oid: ids.outputId,
        version: '1',
        fid: 'arm',
        dataset: 'DM',
        column: 'BRTHDTC',
        eid: ids.exportId,
        sid: ids.sourceId,
        pullId: ids.pullId,
        reportId: ids.reportId,
        runId: ids.reportRunId,
        subjectId: 'PHI-003',
        threadId: ids.threadId,
        usubjid: 'S-001',
      };
      const filled = value[name];
      if (!filled) throw new Error(`${url}: the PHI walker does not know :${name}; teach it.`);
      return filled;
    }),
  );
}

/** Query strings that make a route return data (every column of the profile, every download format). */
function queriesOf(key: string): string[] {
  if (key.endsWith('/datasets/:name/profile')) return ['?column=BRTHDTC', '?column=SUBJINIT', '?column=AGE&by=SEX'];
  if (key.endsWith('/download')) return ['?format=csv', '?format=parquet', '?format=xpt'];
  if (key.endsWith('/subjects/export')) return ['?format=csv', '?format=xlsx'];
  if (key.endsWith('/diff') && key.includes('/versions/')) return ['', '?key=USUBJID'];
  if (key.endsWith('/diff')) return ['?from=1&to=1'];
  if (key.endsWith('/rows')) return ['?limit=100'];
  return [''];
}

/** POST routes that only read data: their bodies. */
const READ_POSTS: Record<string, () => unknown> = {
  'POST /api/studies/:id/widgets/preview': () => ({
    widget: {
      type: 'table',
      title: 'DM',
      optionsVersion: 1,
      options: { columns: ['USUBJID', 'BRTHDTC', 'SUBJINIT'] },
      data: { dataset: 'DM', mapping: {} },
    },
  }),
  'POST /api/studies/:id/pipelines/preview': () => ({
    body: { steps: [{ operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'x' } }] },
    inputs: PIPELINE.inputs,
    step: 0,
  }),
  'POST /api/studies/:id/pipelines/check': () => PIPELINE,
};

async function walk(session: Session): Promise<Map<string, string>> {
  const bodies = new Map<string, string>();
  for (const route of t.routes) {
    const key = `${route.method} ${route.url}`;
    const readPost = READ_POSTS[key];
    if (route.method !== 'GET' && !readPost) continue;
    if (!route.url.startsWith('/api/studies/:id') && !['/api/home', '/api/studies'].includes(route.url)) continue;
    if (route.url.endsWith('/events')) continue; // a server-sent event stream of a finished run: its log lines only
    for (const url of urlsOf(route.url)) {
      for (const query of queriesOf(key)) {
        const res = await t.request(session, {
          method: route.method as 'GET',
          url: url + query,
          ...(readPost ? { payload: readPost() as object } : {}),
        });
        bodies.set(`${key}${query} ${url}`, `${res.statusCode} ${res.rawPayload.toString('latin1')}`);
      }
    }
  }
  return bodies;
}

describe('PHI masking on every data-returning route', () => {
  it('never answers a clear PHI value to a reader without data:view_phi:assigned', async () => {
    // The cleared reader goes first, so that anything cached from its answers would show up next.
    const clear = await walk(cleared);
    const seen = [...clear.values()].join('\n');
    for (const value of CLEAR_VALUES.slice(0, 2)) expect(seen, 'the cleared reader sees real values').toContain(value);

    const bodies = await walk(masked);
    expect(bodies.size).toBeGreaterThan(30);
    // Rows, profiles, downloads, widgets, subjects, diffs and previews answered with data, not refusals.
    expect([...bodies.values()].filter((b) => b.startsWith('200')).length).toBeGreaterThan(60);
    for (const [request, body] of bodies) {
      for (const value of CLEAR_VALUES) expect(body, `${request} leaks ${value}`).not.toContain(value);
    }
    // The routes under an export, a data source, a scheduled report and a review thread read real
    // records (200), not an id of nothing (404).
    for (const route of [
      'GET /api/studies/:id/dashboards/:did/exports/:eid ',
      'GET /api/studies/:id/dashboards/:did/exports/:eid/file ',
      'GET /api/studies/:id/data-sources/:sid ',
      'GET /api/studies/:id/data-sources/:sid/pulls/:pullId ',
      'GET /api/studies/:id/scheduled-reports/:reportId/runs ',
      'GET /api/studies/:id/review/threads/:threadId ',
    ]) {
      const answered = [...bodies].filter(([request]) => request.startsWith(route));
      expect(answered.length, route).toBeGreaterThan(0);
      for (const [request, body] of answered) expect(body.slice(0, 3), request).toBe('200');
    }
    // The masked rows say which columns are PHI and show the year only.
    const rows = await t.request(masked, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${ids.versionId}/datasets/DM/rows?limit=10`,
    });
    expect(rows.statusCode, rows.body).toBe(200);
    const page = rows.json();
    const birth = page.columns.findIndex((c: { name: string }) => c.name === 'BRTHDTC');
    expect(page.columns[birth]).toMatchObject({ phi: 'phi', masked: true });
    expect(page.rows.map((r: unknown[]) => r[birth])).toEqual(['1951', '1948', '1960', '1955']);
    const initials = page.columns.findIndex((c: { name: string }) => c.name === 'SUBJINIT');
    expect(new Set(page.rows.map((r: unknown[]) => r[initials]))).toEqual(new Set(['[PHI]']));
  }, 240_000); // two walks of ~100 requests each, on a shared machine

  it('refuses to filter or sort on a masked column, naming the permission and never a value', async () => {
    const base = `/api/studies/${studyId}/versions/${ids.versionId}/datasets/DM`;
    const filter = encodeURIComponent(JSON.stringify([{ column: 'BRTHDTC', op: 'starts', value: '1951-03' }]));
    for (const url of [
      `${base}/rows?filter=${filter}`,
      `${base}/rows?sort=BRTHDTC`,
      `${base}/download?format=csv&filter=${filter}`,
      `${base}/profile?column=AGE&by=SUBJINIT`,
    ]) {
      const res = await t.request(masked, { method: 'GET', url });
      expect(res.statusCode, `${url} → ${res.body}`).toBe(400);
      expect(res.body).toContain('data:view_phi:assigned');
      expect(res.body).not.toContain('1951-03');
    }
    // The cleared reader filters on the real value.
    const res = await t.request(cleared, { method: 'GET', url: `${base}/rows?filter=${filter}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().total).toBe(1);
    expect(res.body).toContain('1951-03-17');
  });

  it('masks PHI in a widget filter and keeps one reader’s cached answer from the other', async () => {
    const body = (filters: unknown[]) => ({
      widget: {
        type: 'table',
        title: 'DM',
        optionsVersion: 1,
        options: { columns: ['USUBJID', 'BRTHDTC'] },
        data: { dataset: 'DM', mapping: {} },
      },
      filters,
    });
    const url = `/api/studies/${studyId}/widgets/preview`;
    const clear = await t.request(cleared, { method: 'POST', url, payload: body([]) });
    expect(clear.statusCode, clear.body).toBe(200);
    expect(clear.body).toContain('1948-11-02');
    const hidden = await t.request(masked, { method: 'POST', url, payload: body([]) });
    expect(hidden.statusCode, hidden.body).toBe(200);
    expect(hidden.body).not.toContain('1948-11-02');
    expect(hidden.body).toContain('1948');
  });

  it('logs each response that carried PHI in clear, and only those', async () => {
    const before = await t.admin.query('select count(*)::int as n from phi_access_log where org_id = $1', [orgId]);
    const rows = await t.request(cleared, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${ids.versionId}/datasets/DM/rows?limit=2`,
      headers: { 'user-agent': 'phi-test-agent' },
    });
    expect(rows.statusCode).toBe(200);
    await t.request(masked, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${ids.versionId}/datasets/DM/rows?limit=2`,
    });
    const after = await t.admin.query(
      'select user_id, dataset, columns, rows, route, user_agent from phi_access_log where org_id = $1 order by created_at desc limit 1',
      [orgId],
    );
    const count = await t.admin.query('select count(*)::int as n from phi_access_log where org_id = $1', [orgId]);
    expect(count.rows[0].n).toBe(before.rows[0].n + 1);
    expect(after.rows[0]).toMatchObject({
      user_id: cleared.user.id,
      dataset: 'DM',
      columns: ['BRTHDTC', 'SUBJINIT'],
      rows: 2,
      route: 'GET /api/studies/:id/versions/:vid/datasets/:name/rows',
      user_agent: 'phi-test-agent',
    });
    // Nobody changes the log, not even the owner.
    await expect(t.admin.query('update phi_access_log set rows = 0 where org_id = $1', [orgId])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.admin.query('delete from phi_access_log where org_id = $1', [orgId])).rejects.toThrow(/append-only/);
  });

  it('logs a page of rows served from the kept blocks as it logs one read from the file', async () => {
    const count = async () =>
      (await t.admin.query('select count(*)::int as n from phi_access_log where org_id = $1', [orgId])).rows[0].n;
    const url = `/api/studies/${studyId}/versions/${ids.versionId}/datasets/DM/rows?offset=1&limit=1`;
    const before = await count();
    const first = await t.request(cleared, { method: 'GET', url });
    const again = await t.request(cleared, { method: 'GET', url });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(again.body).toContain('1948-11-02');
    expect(await count()).toBe(before + 2);
    // The masked reader's page is its own, not the cleared reader's kept one.
    const hidden = await t.request(masked, { method: 'GET', url });
    expect(hidden.body).not.toContain('1948-11-02');
    expect(await count()).toBe(before + 2);
  });
});

describe('PHI access log: only answers that carried PHI, and jobs too', () => {
  const logRows = async (route: string) =>
    (
      await t.admin.query(
        'select user_id, dataset, columns, route from phi_access_log where org_id = $1 and route like $2 order by created_at',
        [orgId, route],
      )
    ).rows;

  it('a widget that reads no PHI column is not logged; one that shows BRTHDTC is', async () => {
    const widget = (columns: string[]) => ({
      widget: {
        type: 'table',
        title: 'DM',
        optionsVersion: 1,
        options: { columns },
        data: { dataset: 'DM', mapping: {} },
      },
    });
    const url = `/api/studies/${studyId}/widgets/preview`;
    const before = (await logRows('POST /api/studies/:id/widgets/preview')).length;
    const plain = await t.request(cleared, { method: 'POST', url, payload: widget(['USUBJID', 'ARM', 'AGE']) });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(await logRows('POST /api/studies/:id/widgets/preview')).toHaveLength(before);
    const phi = await t.request(cleared, { method: 'POST', url, payload: widget(['USUBJID', 'BRTHDTC']) });
    expect(phi.statusCode, phi.body).toBe(200);
    const after = await logRows('POST /api/studies/:id/widgets/preview');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ user_id: cleared.user.id, dataset: 'DM', columns: ['BRTHDTC'] });
  });

  it('a dashboard export made by the job logs the clear PHI it read for the user who asked, naming the job', async () => {
    const got = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${ids.dashboardId}`,
    });
    expect(got.statusCode, got.body).toBe(200);
    const dashboard = got.json().data;
    const document = structuredClone(dashboard.document);
    const page = document.pages[0];
    const [widgetId] = Object.keys(page.widgets);
    page.widgets[widgetId as string] = {
      type: 'table',
      title: 'Birth dates',
      optionsVersion: 1,
      options: { columns: ['USUBJID', 'BRTHDTC'] },
      data: { dataset: 'DM', mapping: {} },
    };
    const saved = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/dashboards/${ids.dashboardId}`,
      payload: { version: dashboard.version, document, comment: 'A listing of birth dates' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const exportAs = async (session: Session) => {
      const queued = await t.request(session, {
        method: 'POST',
        url: `/api/studies/${studyId}/dashboards/${ids.dashboardId}/exports`,
        payload: { format: 'xlsx', pages: [page.id] },
      });
      expect(queued.statusCode, queued.body).toBe(202);
      const exportId = queued.json().data.id as string;
      expect(await runJob(t.ctx, 'exports.render', { orgId, exportId })).toMatchObject({ status: 'done' });
      const { rows } = await t.admin.query('select status from exports where id = $1', [exportId]);
      expect(rows[0].status).toBe('SUCCEEDED');
      return exportId;
    };
    const clearExport = await exportAs(manager);
    expect(await logRows(`job exports.render · export ${clearExport}`)).toEqual([
      {
        user_id: manager.user.id,
        dataset: 'DM',
        columns: ['BRTHDTC'],
        route: `job exports.render · export ${clearExport}`,
      },
    ]);
    // The masked reader's export read masks only: nothing to log.
    const maskedExport = await exportAs(masked);
    expect(await logRows(`job exports.render · export ${maskedExport}`)).toEqual([]);
  }, 120_000);
});
