import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Dashboard, WidgetDefinition } from '@cdp/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGeneratedVersion } from '../../src/seed/load-demo-data.ts';
import { type Session, startTestApp, type TestApp } from '../harness.ts';

/**
 * Injection strings in every filter, sort, column, dataset and mapping parameter of the data and
 * dashboard routes. Names are checked against the dataset's schema and values are bound, so each
 * attempt is either refused with a 400/404 that names the parameter, or (a value compared as data)
 * answered normally with no match. Never a 500, never an engine's message, never a side effect.
 */

const MARKER = `cdp-pwned-${process.pid}`;
const INJECTIONS = [
  `'; DROP TABLE data_versions; --`,
  `" OR 1=1 --`,
  `USUBJID" FROM read_csv('/etc/passwd') --`,
  `USUBJID"; COPY (SELECT 1) TO '/tmp/${MARKER}.csv'; --`,
  `') UNION SELECT * FROM read_text('/etc/passwd') --`,
  `*`,
  `1; SELECT pg_sleep(5)`,
  `../../../../etc/passwd`,
  `'||(SELECT version())||'`,
  `%27%20OR%201%3D1`,
  `$\{7*7}`,
  `ＵＳＵＢＪＩＤ`,
];

/** What an engine says, which must never reach a client. */
const ENGINE_WORDS =
  /Binder Error|Parser Error|Catalog Error|Conversion Error|syntax error|duckdb|pg_catalog|relation "|at \w+ \(|node_modules/i;

let t: TestApp;
let manager: Session;
let studyId: string;
let orgId: string;
let versionId: string;
let dashboard: Dashboard;
let before: Record<string, number>;

async function counts(): Promise<Record<string, number>> {
  const { rows } = await t.admin.query(
    `SELECT (SELECT count(*)::int FROM data_versions WHERE org_id = $1) AS versions,
            (SELECT count(*)::int FROM datasets WHERE org_id = $1) AS datasets,
            (SELECT count(*)::int FROM dashboards WHERE org_id = $1) AS dashboards,
            (SELECT count(*)::int FROM audit_events WHERE org_id = $1) AS events`,
    [orgId],
  );
  return rows[0];
}

function get(url: string, query: Record<string, string>): Promise<LightMyRequestResponse> {
  return t.request(manager, { method: 'GET', url: `${url}?${new URLSearchParams(query)}` });
}

/** Refused (status in `statuses`, with a coded error naming `param` when given) or answered normally. */
function expectHandled(res: LightMyRequestResponse, statuses: number[], param?: string): void {
  expect(statuses, `${res.statusCode}: ${res.body.slice(0, 300)}`).toContain(res.statusCode);
  expect(res.body).not.toMatch(ENGINE_WORDS);
  if (res.statusCode < 400) return;
  const error = res.json().error as { code: string; message: string; details?: { issues?: { path: string }[] } };
  expect(error.code).toMatch(/^[A-Z_]+$/);
  expect(error.message.length).toBeGreaterThan(0);
  if (param) {
    const named = `${error.message} ${JSON.stringify(error.details ?? {})}`;
    expect(named, 'the error names the parameter').toContain(param);
  }
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
  const loaded = await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 30, sites: 2, seed: 3 });
  versionId = loaded.version.id;
  const created = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Injection target', templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  dashboard = created.json().data;
  before = await counts();
}, 120_000);
afterAll(() => t.close());

describe.each(INJECTIONS)('injection string %j', (evil) => {
  const dataset = () => `/api/studies/${studyId}/versions/${versionId}/datasets/DM`;

  it('data routes: sort, filter column, filter op, profile column are refused naming the parameter', async () => {
    expectHandled(await get(`${dataset()}/rows`, { sort: evil }), [400], 'sort');
    expectHandled(await get(`${dataset()}/rows`, { sort: `-${evil}` }), [400], 'sort');
    const filter = (f: unknown) => ({ filter: JSON.stringify([f]) });
    expectHandled(await get(`${dataset()}/rows`, filter({ column: evil, op: 'eq', value: 'x' })), [400], 'filter');
    expectHandled(await get(`${dataset()}/rows`, filter({ column: 'USUBJID', op: evil, value: 'x' })), [400], 'filter');
    expectHandled(await get(`${dataset()}/rows`, { filter: evil }), [400], 'filter');
    expectHandled(await get(`${dataset()}/profile`, { column: evil }), [400], 'column');
  });

  it('data routes: filter values are data, compared and matching nothing', async () => {
    for (const op of ['eq', 'ne', 'contains', 'starts', 'in']) {
      const value = op === 'in' ? [evil] : evil;
      const res = await get(`${dataset()}/rows`, { filter: JSON.stringify([{ column: 'USUBJID', op, value }]) });
      expectHandled(res, [200]);
      expect(res.json().total, op).toBe(op === 'ne' ? 30 : 0);
    }
  });

  it('data routes: dataset, version and study names in the path', async () => {
    const name = encodeURIComponent(evil);
    for (const tail of ['rows', 'profile?column=USUBJID', 'download?format=csv']) {
      const res = await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/versions/${versionId}/datasets/${name}/${tail}`,
      });
      expectHandled(res, [404]);
    }
    expectHandled(await get(`/api/studies/${studyId}/versions/${encodeURIComponent(evil)}`, {}), [400]);
    expectHandled(await get(`/api/studies/${encodeURIComponent(evil)}/versions`, {}), [400]);
    expectHandled(
      await get(`/api/studies/${studyId}/versions/${versionId}/diff/${encodeURIComponent(evil)}`, {}),
      [400],
    );
    expectHandled(
      await get(`/api/studies/${studyId}/versions/${versionId}/diff/${versionId}`, { key: evil }),
      [200, 400],
    );
    expectHandled(await get(`${dataset()}/download`, { format: evil }), [400], 'format');
  });

  it('dashboard routes: sort, filter fields and drill points are refused naming the parameter', async () => {
    const widgets = `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets`;
    expectHandled(await get(`${widgets}/subject-listing/data`, { sort: evil }), [400], 'sort');
    expectHandled(
      await get(`${widgets}/subject-listing/data`, {
        filters: JSON.stringify([{ field: evil, op: 'eq', value: 'x' }]),
      }),
      [400],
      'filters',
    );
    expectHandled(await get(`${widgets}/subject-listing/data`, { filters: evil }), [400], 'filters');
    expectHandled(
      await get(`${widgets}/subject-listing/subjects`, { point: JSON.stringify({ [evil]: 'x' }) }),
      [400],
      'point',
    );
    expectHandled(await get(`${widgets}/${encodeURIComponent(evil)}/data`, {}), [400, 404]);
    expectHandled(
      await get(`/api/studies/${studyId}/dashboards/${dashboard.id}/filters/${encodeURIComponent(evil)}/values`, {}),
      [400, 404],
    );
  });

  it('dashboard routes: filter values and drill values are data', async () => {
    const widgets = `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets`;
    const data = await get(`${widgets}/subject-listing/data`, {
      filters: JSON.stringify([{ field: 'arm', op: 'in', value: [evil] }]),
    });
    expectHandled(data, [200]);
    expect(data.json().total).toBe(0);
    const drill = await get(`${widgets}/subject-listing/subjects`, { point: JSON.stringify({ arm: evil }) });
    expectHandled(drill, [200]);
    expect(drill.json().total).toBe(0);
  });

  it('dashboard routes: dataset and mapping in a previewed, suggested or saved widget', async () => {
    const widget = (data: Partial<WidgetDefinition['data']>): WidgetDefinition => ({
      type: 'bar',
      title: 'Injected',
      optionsVersion: 1,
      options: {},
      data: {
        dataset: 'AE',
        population: 'DM',
        mapping: { subject_id: 'USUBJID', category: 'AESEV' },
        filters: [],
        ...data,
      },
    });
    const preview = (w: WidgetDefinition) =>
      t.request(manager, { method: 'POST', url: `/api/studies/${studyId}/widgets/preview`, payload: { widget: w } });
    expectHandled(await preview(widget({ dataset: evil })), [200, 400]);
    expectHandled(await preview(widget({ population: evil })), [200, 400]);
    expectHandled(await preview(widget({ mapping: { subject_id: evil, category: 'AESEV' } })), [400], 'mapping');
    expectHandled(await preview(widget({ filters: [{ column: evil, op: 'eq', value: 'x' }] })), [400], 'filters');
    const byValue = await preview(widget({ filters: [{ column: 'AESEV', op: 'eq', value: evil }] }));
    expectHandled(byValue, [200]);
    expect(byValue.json().data?.rows ?? []).toEqual([]);
    const suggest = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/suggest`,
      payload: { type: 'bar', dataset: evil },
    });
    expectHandled(suggest, [200, 400, 404]);
    const document = structuredClone(dashboard.document);
    const first = document.pages[0];
    const id = Object.keys(first?.widgets ?? {})[0] as string;
    if (first?.widgets[id]) first.widgets[id].data.mapping = { subject_id: evil };
    const save = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
      payload: { version: dashboard.version, document },
    });
    expectHandled(save, [400], 'mapping');
  });
});

describe('after every attempt', () => {
  it('nothing was written: no rows, no audit events, no files', async () => {
    expect(await counts()).toEqual(before);
    expect(existsSync(path.join('/tmp', `${MARKER}.csv`))).toBe(false);
    expect((await readdir(os.tmpdir())).filter((f) => f.includes(MARKER))).toEqual([]);
    // The study's folders hold the one loaded version and nothing else.
    const study = path.join(t.ctx.config.dataDir, 'studies', orgId, studyId);
    expect(await readdir(path.join(study, 'source_data'))).toHaveLength(1);
    expect(await readdir(path.join(study, 'temp'))).toEqual([]);
  });
});
