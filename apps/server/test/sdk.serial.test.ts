import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { asFormData, type CdpClient, createCdpClient } from '@cdp/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkTypesFrom } from '../../../packages/sdk/src/generate.ts';
import { runJob } from '../src/jobs/run-job.ts';
import { openapiDocument } from '../src/openapi-document.ts';
import { startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from './harness.ts';

/** packages/sdk against a real server on a real port: what an integrator's code would do. */

let t: TestApp;
let tenant: Tenant;
let baseUrl = '';
let email = '';

beforeAll(async () => {
  t = await startTestApp({ webhookAllowPrivate: true });
  tenant = await t.tenant();
  email = (await t.user({ orgId: tenant.org.id, role: 'org_admin' })).email;
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

async function signedIn(): Promise<CdpClient> {
  const anonymous = createCdpClient({ baseUrl });
  const { data, error } = await anonymous.POST('/api/auth/login', { body: { email, password: TEST_PASSWORD } });
  expect(error).toBeUndefined();
  // Without a second factor the answer is the token (with one, a challenge for /api/auth/login/mfa).
  const token = data && 'accessToken' in data ? data.accessToken : undefined;
  expect(token).toBeTruthy();
  return createCdpClient({ baseUrl, token });
}

describe('packages/sdk', () => {
  it('its committed types are those of this build’s OpenAPI document (run npm run sdk:generate)', async () => {
    const committed = await readFile(path.resolve(import.meta.dirname, '../../../packages/sdk/src/openapi.ts'), 'utf8');
    expect(committed === (await sdkTypesFrom(await openapiDocument())), 'packages/sdk/src/openapi.ts is stale').toBe(
      true,
    );
  });

  it('signs in, lists studies, uploads a file, pages through its rows and creates a webhook', async () => {
    const cdp = await signedIn();
    const studies = await cdp.GET('/api/studies');
    expect(studies.data?.data.map((s) => s.id)).toContain(tenant.study.id);

    const csv = ['USUBJID,AGE,SEX', 'S-01,34,F', 'S-02,51,M', 'S-03,47,F', 'S-04,62,M', 'S-05,29,F'].join('\n');
    const upload = await cdp.POST('/api/studies/{id}/uploads', {
      params: { path: { id: tenant.study.id } },
      body: { file: new Blob([csv]) },
      bodySerializer: (body) => asFormData(body, 'dm.csv'),
    });
    expect(upload.error).toBeUndefined();
    const versionId = upload.data?.data.id as string;

    // Two rows a page: three pages, the same rows as the file, in its order.
    const seen: unknown[][] = [];
    for (let offset = 0; ; offset += 2) {
      const page = await cdp.GET('/api/studies/{id}/versions/{vid}/datasets/{name}/rows', {
        params: { path: { id: tenant.study.id, vid: versionId, name: 'dm' }, query: { offset, limit: 2 } },
      });
      expect(page.error).toBeUndefined();
      seen.push(...(page.data?.rows ?? []));
      if (offset + 2 >= (page.data?.total ?? 0)) break;
    }
    const expected = csv
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    expect(seen.map((row) => [row[0], String(row[1]), row[2]])).toEqual(expected);

    const webhook = await cdp.POST('/api/webhooks', {
      body: { url: 'https://hooks.example.com/cdp', events: ['data_version.created'] },
    });
    expect(webhook.response.status).toBe(201);
    expect(webhook.data?.secret).toMatch(/^whsec_/);
    const list = await cdp.GET('/api/webhooks');
    expect(list.data?.data.map((w) => w.id)).toContain(webhook.data?.data.id);
  });

  it('works with an API key as with a person: lists studies, uploads, pages rows, runs a pipeline; a missing scope is 403', async () => {
    const cdp = await signedIn();
    const created = await cdp.POST('/api/api-keys', {
      body: {
        name: 'SDK test key',
        scopes: [
          'study:view:assigned',
          'data:view:assigned',
          'data:upload:assigned',
          'pipeline:view:assigned',
          'pipeline:configure:assigned',
          'pipeline:execute:assigned',
        ],
      },
    });
    expect(created.response.status).toBe(201);
    const secret = (created.data as { secret?: string } | undefined)?.secret as string;
    expect(secret).toMatch(/^cdp_/);
    const machine = createCdpClient({ baseUrl, apiKey: secret });

    const studies = await machine.GET('/api/studies');
    expect(studies.error).toBeUndefined();
    expect(studies.data?.data.map((s) => s.id)).toContain(tenant.study.id);
    const upload = await machine.POST('/api/studies/{id}/uploads', {
      params: { path: { id: tenant.study.id } },
      body: { file: new Blob(['USUBJID,AGE\nK-01,40\nK-02,55\n']) },
      bodySerializer: (body) => asFormData(body, 'keys.csv'),
    });
    expect(upload.error).toBeUndefined();
    const page = await machine.GET('/api/studies/{id}/versions/{vid}/datasets/{name}/rows', {
      params: { path: { id: tenant.study.id, vid: upload.data?.data.id as string, name: 'keys' }, query: {} },
    });
    expect(page.data?.rows.map((row) => [row[0], Number(row[1])])).toEqual([
      ['K-01', 40],
      ['K-02', 55],
    ]);
    // Activated (the study already had data), then a SQL pipeline over it, created and run with the key.
    const activated = await machine.POST('/api/studies/{id}/versions/{vid}/activate', {
      params: { path: { id: tenant.study.id, vid: upload.data?.data.id as string } },
      body: { reason: 'Loaded by the nightly job' },
    });
    expect(activated.error).toBeUndefined();
    const pipeline = await machine.POST('/api/studies/{id}/pipelines', {
      params: { path: { id: tenant.study.id } },
      body: {
        name: 'Over 50 (SDK)',
        kind: 'sql',
        body: { statements: [{ name: 'over50', sql: 'SELECT USUBJID FROM KEYS WHERE AGE > 50' }] },
        inputs: [{ name: 'KEYS', source: { kind: 'dataset', dataset: 'keys' } }],
        outputs: ['over50'],
      },
    });
    expect(pipeline.error).toBeUndefined();
    const pid = pipeline.data?.data.id as string;
    const queued = await machine.POST('/api/studies/{id}/pipelines/{pid}/runs', {
      params: { path: { id: tenant.study.id, pid } },
    });
    expect(queued.response.status).toBe(202);
    const rid = queued.data?.data.id as string;
    // What a worker does with the queued job, done here.
    await runJob(t.ctx, 'pipelines.run', { orgId: tenant.org.id, runId: rid });
    const run = await machine.GET('/api/studies/{id}/pipelines/{pid}/runs/{rid}', {
      params: { path: { id: tenant.study.id, pid, rid } },
    });
    expect(run.data?.data.status).toBe('SUCCEEDED');
    const output = await machine.GET('/api/studies/{id}/versions/{vid}/datasets/{name}/rows', {
      params: {
        path: { id: tenant.study.id, vid: run.data?.data.outputVersionId as string, name: 'over50' },
        query: {},
      },
    });
    expect(output.data?.rows).toEqual([['K-02']]);

    // The key was not given dashboard:create: refused, naming the permission.
    const refused = await machine.POST('/api/studies/{id}/dashboards', {
      params: { path: { id: tenant.study.id } },
      body: { name: 'Not allowed', templateId: 'clinical-study-overview' },
    });
    expect(refused.response.status).toBe(403);
    expect(JSON.stringify(refused.error)).toContain('dashboard:create');
  });

  it('returns the error envelope as `error`, typed, never thrown', async () => {
    const cdp = await signedIn();
    const bad = await cdp.POST('/api/webhooks', { body: { url: 'not a url', events: ['webhook.test'] } });
    expect(bad.response.status).toBe(400);
    expect(bad.data).toBeUndefined();
    const anonymous = createCdpClient({ baseUrl });
    const denied = await anonymous.GET('/api/studies');
    expect(denied.response.status).toBe(401);
    expect(JSON.stringify(denied.error)).toContain('UNAUTHENTICATED');
  });
});
