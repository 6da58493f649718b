import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from './harness.ts';

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await startTestApp({ bodyLimitBytes: 16_384 });
  const tenant = await t.tenant();
  admin = await tenant.as('org_admin');
});
afterAll(() => t.close());

describe('bad input', () => {
  it('malformed JSON is 400 INVALID_JSON', async () => {
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      headers: { 'content-type': 'application/json' },
      payload: '{"code": "X-1", "name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });

  it('wrong types, missing and unknown fields are 400 with the field path', async () => {
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 42, phase: 'VII', colour: 'blue' },
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    const paths = error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.code', 'body.name', 'body.phase', 'body']));
    expect(error.details.issues.find((i: { path: string }) => i.path === 'body').message).toBe(
      'Unknown field: colour.',
    );
    expect(error.message).toMatch(/^body\./);
  });

  it('bad path and query parameters name the parameter', async () => {
    const id = await t.request(admin, { method: 'GET', url: '/api/studies/not-a-uuid' });
    expect(id.statusCode).toBe(400);
    expect(id.json().error.details.issues[0].path).toBe('params.id');
    const page = await t.request(admin, { method: 'GET', url: '/api/audit?page=0' });
    expect(page.json().error.details.issues[0].path).toBe('querystring.page');
  });

  it('an oversized body is 413', async () => {
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'BIG-1', name: 'x'.repeat(20_000), phase: 'I' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('quotes and SQL in any field are stored and returned as plain data', async () => {
    const name = `Robert'); DROP TABLE studies;-- "quoted" \\ backslash`;
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'SQL-1', name, phase: 'I' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().data.name).toBe(name);
    const { rows } = await t.admin.query(`select to_regclass('public.studies') is not null as exists`);
    expect(rows[0].exists).toBe(true);
  });

  it('review routes name the bad parameter, dataset or key', async () => {
    const study = (await t.request(admin, { method: 'GET', url: '/api/studies' })).json().data[0].id;
    const status = await t.request(admin, {
      method: 'GET',
      url: `/api/studies/${study}/review/datasets/AE/records?status=done`,
    });
    expect(status.statusCode).toBe(400);
    expect(status.json().error.details.issues[0].path).toBe('querystring.status');
    const dataset = await t.request(admin, {
      method: 'GET',
      url: `/api/studies/${study}/review/datasets/AE;DROP/records`,
    });
    expect(dataset.json().error.details.issues[0].path).toBe('params.dataset');
    const key = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${study}/review/marks`,
      payload: { dataset: 'AE', key: {} },
    });
    expect(key.statusCode).toBe(400);
    expect(key.json().error.details.issues[0].path).toBe('body.key');
    const thread = await t.request(admin, {
      method: 'PATCH',
      url: `/api/studies/${study}/review/threads/00000000-0000-4000-8000-000000000000`,
      payload: {},
    });
    expect(thread.statusCode).toBe(400);
    expect(thread.json().error.message).toContain('Give a status or an assignee to change.');
  });

  it('an unknown API path is a 404 in the error envelope', async () => {
    const res = await t.request(admin, { method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('unexpected failures are a 500 with a request id and no internals', async () => {
    await t.admin.query('alter table studies rename to studies_away');
    try {
      const res = await t.request(admin, { method: 'GET', url: '/api/studies' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('INTERNAL');
      expect(res.json().error.details.requestId).toBe(res.headers['x-request-id']);
      expect(res.body).not.toMatch(/studies_away|relation|select/i);
    } finally {
      await t.admin.query('alter table studies_away rename to studies');
    }
  });
});
