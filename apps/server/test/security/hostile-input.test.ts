import { grantRole } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/jobs/run-job.ts';
import { MAX_JSON_DEPTH } from '../../src/lib/inspect-input.ts';
import { multipartFile, type Session, startTestApp, TEST_PASSWORD, type TestApp } from '../harness.ts';
import { tableSnapshot } from './snapshot.ts';

/**
 * Walks EVERY registered route as an organization administrator on their own resources and sends,
 * in every string field the route's body schema declares (read from the zod schema itself), in a
 * query parameter and in every path parameter, NUL and other control characters; and in every
 * body, JSON nested deeper than the limit. Each must be a 400 naming the place, never a 500, and
 * nothing may be written. Routes added later are covered without editing this file; a body schema
 * this walker cannot read makes it fail.
 */

let t: TestApp;
let admin: Session;
let ids: Record<string, string>;

const CONTROL_SAMPLES = ['\u0000', '\u0007', '\u001b[2J', '\u007f'];

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** Paths (key lists) to every string leaf a zod schema accepts; `*` stands for a record key. */
function stringPaths(schema: unknown, prefix: string[] = [], seen = new Set<unknown>()): string[][] {
  const def = (schema as ZodLike)._zod?.def;
  if (!def) throw new Error(`not a zod schema at ${prefix.join('.') || 'body'}`);
  if (seen.has(schema)) return [];
  seen.add(schema);
  const inner = (s: unknown, p = prefix) => stringPaths(s, p, seen);
  switch (def.type) {
    case 'string':
      return [prefix];
    case 'object':
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([key, s]) => inner(s, [...prefix, key]));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      return inner(def.in);
    case 'array':
      return inner(def.element, [...prefix, '0']);
    case 'record':
      return inner(def.valueType, [...prefix, 'field']);
    case 'union':
      return (def.options as unknown[]).flatMap((o) => inner(o));
    case 'lazy':
      return inner((def.getter as () => unknown)());
    case 'number':
    case 'int':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'null':
    case 'unknown':
    case 'any':
    case 'date':
      return [];
    default:
      throw new Error(
        `${prefix.join('.') || 'body'}: the hostile-input walker cannot read zod type "${def.type}"; teach it.`,
      );
  }
}

function bodyWith(path: string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string, ...string[]];
  if (/^\d+$/.test(head)) return [bodyWith(rest, leaf)];
  return { [head]: bodyWith(rest, leaf) };
}

/** `{"x":{"x":…"bottom"…}}` as JSON text: a value this deep overflows JSON.stringify itself. */
function deepJson(levels: number): string {
  return `${'{"x":'.repeat(levels)}"bottom"${'}'.repeat(levels)}`;
}

const DEEP = '"__DEEP__"';
/** A body as JSON text with the deep value in place of the DEEP marker. */
function jsonWithDeep(value: unknown, levels = 5_000) {
  return {
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(value).replace(DEEP, deepJson(levels)),
  };
}

function fillParams(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => {
    const value = ids[name] ?? (name === 'id' ? ids[url.split('/')[2] ?? ''] : undefined);
    if (!value) throw new Error(`${url}: the hostile-input walker does not know parameter :${name}; teach it.`);
    return value;
  });
}

const SKIP = (url: string) => !url.startsWith('/api/') || url.startsWith('/api/docs');

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  admin = await tenant.as('org_admin');
  const user = await t.user({ orgId: tenant.org.id, role: 'data_scientist' });
  const assignmentId = await grantRole(t.database, user, 'auditor', tenant.study.id);
  const role = await t.request(admin, {
    method: 'POST',
    url: '/api/roles',
    payload: { key: 'walker', name: 'Walker', permissions: ['study:view:assigned'] },
  });
  const upload = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE\nS-001,63\n'),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const dashboard = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Walker overview', templateId: 'clinical-study-overview' },
  });
  const dashboardId = dashboard.json().data.id;
  const template = await t.request(admin, {
    method: 'POST',
    url: '/api/dashboard-templates',
    payload: { name: 'Walker template', studyId: tenant.study.id, dashboardId },
  });
  const versionId = upload.json().data.id;
  const pipeline = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/pipelines`,
    payload: {
      name: 'Walker pipeline',
      kind: 'sql',
      body: { statements: [{ name: 'adults', sql: 'SELECT * FROM DM WHERE AGE >= 18' }] },
      inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
      outputs: ['adults'],
    },
  });
  expect(pipeline.statusCode, pipeline.body).toBe(201);
  const pid = pipeline.json().data.id;
  const run = await t.request(admin, { method: 'POST', url: `/api/studies/${tenant.study.id}/pipelines/${pid}/runs` });
  const rid = run.json().data.id;
  // The handler a worker would call, run here: the walker needs an output version too.
  await runJob(t.ctx, 'pipelines.run', { orgId: tenant.org.id, runId: rid });
  const { rows: outputs } = await t.admin.query('select id from pipeline_outputs where run_id = $1', [rid]);
  const key = await t.request(admin, {
    method: 'POST',
    url: '/api/api-keys',
    payload: { name: 'Walker key', scopes: ['study:view:assigned'] },
  });
  expect(key.statusCode, key.body).toBe(201);
  // .invalid never resolves: nothing leaves this machine if a worker picks the test event up.
  const webhook = await t.request(admin, {
    method: 'POST',
    url: '/api/webhooks',
    payload: { url: 'https://walker.invalid/hooks', events: ['data_version.created'] },
  });
  expect(webhook.statusCode, webhook.body).toBe(201);
  const webhookTest = await t.request(admin, { method: 'POST', url: `/api/webhooks/${webhook.json().data.id}/test` });
  const signature = await t.request(admin, {
    method: 'POST',
    url: '/api/signatures',
    payload: {
      resourceType: 'dashboard_version',
      resourceId: `${dashboardId}:1`,
      meaning: 'Review',
      email: admin.user.email,
      password: TEST_PASSWORD,
    },
  });
  expect(signature.statusCode, signature.body).toBe(201);
  const report = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/scheduled-reports`,
    payload: {
      name: 'Walker report',
      dashboardId,
      schedule: { type: 'daily', time: '08:00', timeZone: 'UTC' },
      format: 'pdf',
      recipients: [admin.user.email],
      subject: '{study}',
    },
  });
  expect(report.statusCode, report.body).toBe(201);
  const reportTest = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/scheduled-reports/${report.json().data.id}/test`,
  });
  const thread = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/review/threads`,
    payload: { usubjid: 'S-001', title: 'Walker query', body: 'Please check' },
  });
  expect(thread.statusCode, thread.body).toBe(201);
  ids = {
    threadId: thread.json().data.id,
    usubjid: 'S-001',
    signatures: signature.json().data.id,
    reportId: report.json().data.id,
    runId: reportTest.json().data.runId,
    webhooks: webhook.json().data.id,
    deliveryId: webhookTest.json().data.deliveryId,
    pid,
    rid,
    oid: outputs[0].id,
    'api-keys': key.json().data.id,
    studies: tenant.study.id,
    users: user.id,
    roles: role.json().data.id,
    organizations: tenant.org.id,
    platform: tenant.org.id,
    assignmentId,
    vid: versionId,
    a: versionId,
    b: versionId,
    name: 'DM',
    dataset: 'DM',
    column: 'AGE',
    did: dashboardId,
    wid: 'total-screened',
    fid: 'arm',
    version: '1',
    tid: template.json().data.id,
    // An export id of no export: the control characters are refused before any lookup.
    eid: '00000000-0000-4000-8000-000000000000',
    // Likewise a data source and a pull of none.
    sid: '00000000-0000-4000-8000-000000000001',
    pullId: '00000000-0000-4000-8000-000000000002',
    subjectId: 'S-001',
  };
});
afterAll(() => t.close());

function apiRoutes() {
  return t.routes.filter((r) => !SKIP(r.url) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
}

const urlFor = fillParams;

async function expectRefused(
  res: Awaited<ReturnType<TestApp['request']>>,
  key: string,
  path: string | RegExp,
  message: RegExp,
) {
  expect(res.statusCode, `${key} → ${res.body}`).toBe(400);
  const { error } = res.json();
  expect(error.code, key).toBe('VALIDATION_FAILED');
  const issuePath = error.details.issues[0].path as string;
  if (typeof path === 'string') expect(issuePath, key).toBe(path);
  else expect(issuePath, key).toMatch(path);
  expect(error.message, key).toMatch(message);
}

describe('hostile input on every route', () => {
  it('control characters in every string field of every JSON body are a 400 naming the field', async () => {
    const before = await tableSnapshot(t.admin, [ids.organizations as string]);
    let checked = 0;
    for (const route of apiRoutes()) {
      if (!route.body) continue;
      const key = `${route.method} ${route.url}`;
      const paths = stringPaths(route.body);
      for (const [i, path] of paths.entries()) {
        const bad = CONTROL_SAMPLES[i % CONTROL_SAMPLES.length] as string;
        const res = await t.request(admin, {
          method: route.method as 'POST',
          url: urlFor(route.url),
          payload: bodyWith(path, `text${bad}more`) as object,
        });
        await expectRefused(res, `${key} body.${path.join('.')}`, ['body', ...path].join('.'), /control character U\+/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(await tableSnapshot(t.admin, [ids.organizations as string])).toEqual(before);
  });

  it('control characters in a query parameter and in every path parameter are a 400 naming it', async () => {
    const before = await tableSnapshot(t.admin, [ids.organizations as string]);
    let checked = 0;
    for (const route of apiRoutes()) {
      const key = `${route.method} ${route.url}`;
      const res = await t.request(admin, { method: route.method as 'GET', url: `${urlFor(route.url)}?q=a%00b` });
      await expectRefused(res, `${key} ?q`, 'querystring.q', /U\+0000/);
      for (const name of route.url.match(/:(\w+)/g) ?? []) {
        const url = urlFor(route.url.replace(name, `bad%07${name.slice(1)}`));
        const param = await t.request(admin, { method: route.method as 'GET', url });
        await expectRefused(param, `${key} ${name}`, `params.${name.slice(1)}`, /U\+0007/);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    expect(await tableSnapshot(t.admin, [ids.organizations as string])).toEqual(before);
  });

  it(`JSON nested deeper than ${MAX_JSON_DEPTH} levels in any body is a 400 naming where, never a crash`, async () => {
    const before = await tableSnapshot(t.admin, [ids.organizations as string]);
    let checked = 0;
    for (const route of apiRoutes()) {
      if (!route.body) continue;
      const key = `${route.method} ${route.url}`;
      const [first] = stringPaths(route.body);
      const field = first?.[0] ?? 'x';
      const res = await t.request(admin, {
        method: route.method as 'POST',
        url: urlFor(route.url),
        ...jsonWithDeep({ [field]: JSON.parse(DEEP) }),
      });
      const expected = `body.${field}${'.x'.repeat(MAX_JSON_DEPTH - 1)}`;
      await expectRefused(res, key, expected, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
    expect(await tableSnapshot(t.admin, [ids.organizations as string])).toEqual(before);
  });
});

describe('the probe’s cases', () => {
  it('NUL in a study name, description, status reason, dashboard name and the audit actor filter is a 400', async () => {
    const before = await tableSnapshot(t.admin, [ids.organizations as string]);
    const study = ids.studies as string;
    const cases: [string, Parameters<TestApp['request']>[1]][] = [
      [
        'body.name',
        { method: 'POST', url: '/api/studies', payload: { code: 'NUL-1', name: 'Trial\u0000', phase: 'I' } },
      ],
      ['body.description', { method: 'PATCH', url: `/api/studies/${study}`, payload: { description: 'a\u0000b' } }],
      [
        'body.reason',
        { method: 'POST', url: `/api/studies/${study}/status`, payload: { status: 'locked', reason: 'lock\u0000it' } },
      ],
      [
        'body.name',
        {
          method: 'POST',
          url: `/api/studies/${study}/dashboards`,
          payload: { name: 'Board\u0000', templateId: 'clinical-study-overview' },
        },
      ],
      ['querystring.actor', { method: 'GET', url: '/api/audit?actor=%00admin' }],
    ];
    for (const [path, request] of cases) {
      const res = await t.request(admin, request);
      await expectRefused(res, `${request.method} ${request.url}`, path, /U\+0000 at position/);
    }
    expect(await tableSnapshot(t.admin, [ids.organizations as string])).toEqual(before);
  });

  it('a dashboard document nested 5,000 levels is a 400 naming the path, and the dashboard is unchanged', async () => {
    const before = await tableSnapshot(t.admin, [ids.organizations as string]);
    const url = `/api/studies/${ids.studies}/dashboards/${ids.did}`;
    const current = (await t.request(admin, { method: 'GET', url })).json().data;
    const document = current.document;
    const page = document.pages[0];
    const widgetId = Object.keys(page.widgets)[0] as string;
    page.widgets[widgetId].options = { nested: JSON.parse(DEEP) };
    const res = await t.request(admin, { method: 'PUT', url, ...jsonWithDeep({ version: 1, document }) });
    const prefix = `body.document.pages.0.widgets.${widgetId}.options.nested`;
    await expectRefused(res, 'PUT dashboard', new RegExp(`^${prefix.replace(/\./g, '\\.')}(\\.x)+$`), /nested more/);
    expect(res.json().error.details.issues[0].path.split('.').length).toBe(MAX_JSON_DEPTH + 1);
    expect(await tableSnapshot(t.admin, [ids.organizations as string])).toEqual(before);
  });

  it('tab, line feed and carriage return remain allowed in text', async () => {
    const res = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${ids.studies}`,
      payload: { description: 'Line one\r\nLine\ttwo' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.description).toBe('Line one\r\nLine\ttwo');
  });
});
