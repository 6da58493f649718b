import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../src/jobs/run-job.ts';
import { startTracing, type Tracing } from '../src/lib/tracing.ts';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from './harness.ts';

/*
 * OpenTelemetry traces end to end: a tiny OTLP/HTTP receiver on 127.0.0.1 takes what the exporter
 * sends (OTLP JSON), and the test follows one request through PostgreSQL and DuckDB into the job
 * it queued, by the spans' parent links.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const spans: OtlpSpan[] = [];
const resources: Record<string, unknown>[] = [];
let receiver: Server;
let tracing: Tracing | null;
let t: TestApp;
let tenant: Tenant;
let admin: Session;
let dashboardId: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { resource: Record<string, unknown>; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans) {
          resources.push(rs.resource);
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  tracing = await startTracing({ endpoint, serviceName: 'cdp-test' });
  t = await startTestApp({ otelEndpoint: endpoint });
  tenant = await t.tenant();
  admin = await tenant.as('org_admin');
  const upload = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE,SEX,ARM\nTR-001,63,F,Placebo\nTR-002,41,M,Drug\n'),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const created = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Traced overview', templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  dashboardId = created.json().data.id;
});

afterAll(async () => {
  await t?.close();
  await tracing?.shutdown();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function children(parent: OtlpSpan): OtlpSpan[] {
  return spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);
}

function descendants(parent: OtlpSpan): OtlpSpan[] {
  return children(parent).flatMap((child) => [child, ...descendants(child)]);
}

async function collected(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i += 1) {
    await tracing?.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('OpenTelemetry traces', () => {
  it('nothing starts without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(await startTracing({ endpoint: null, serviceName: 'cdp-api' })).toBeNull();
  });

  it('follow a request through PostgreSQL and DuckDB into the job it queued, with nothing identifying in them', async () => {
    const base = `/api/studies/${tenant.study.id}/dashboards/${dashboardId}`;
    const data = await t.request(admin, { method: 'GET', url: `${base}/data` });
    expect(data.statusCode, data.body).toBe(200);
    const queued = await t.request(admin, { method: 'POST', url: `${base}/exports`, payload: { format: 'xlsx' } });
    expect(queued.statusCode, queued.body).toBe(202);
    const exportId = queued.json().data.id as string;
    // The job as the worker takes it from the queue: its payload carries the request's trace context.
    const { rows } = await t.admin.query<{ id: string; data: Record<string, unknown> }>(
      `select id, data from pgboss.job where name = 'exports.render' and data->>'exportId' = $1`,
      [exportId],
    );
    expect(rows[0]?.data._trace).toMatchObject({
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    const outcome = await runJob(t.ctx, 'exports.render', rows[0]?.data, rows[0]?.id);
    expect(outcome).toMatchObject({ status: 'done' });
    const status = await t.request(admin, { method: 'GET', url: `${base}/exports/${exportId}` });
    expect(status.json().data.status).toBe('SUCCEEDED');

    await collected(() => spans.some((s) => s.name === 'job exports.render'));
    expect(resources[0]).toMatchObject({
      attributes: expect.arrayContaining([{ key: 'service.name', value: { stringValue: 'cdp-test' } }]),
    });

    // HTTP → database and DuckDB.
    const read = spans.find((s) => s.name === 'GET /api/studies/:id/dashboards/:did/data');
    expect(read, spans.map((s) => s.name).join(', ')).toBeDefined();
    if (!read) return;
    expect(read.kind).toBe(2); // SERVER
    expect(read.parentSpanId ?? '').toBe('');
    const underRead = descendants(read).map((s) => s.name);
    expect(underRead).toContain('postgresql select');
    expect(underRead).toContain('duckdb.query');

    // HTTP → database → job: the export's job span is a child of the request that queued it.
    const post = spans.find((s) => s.name === 'POST /api/studies/:id/dashboards/:did/exports');
    const job = spans.find((s) => s.name === 'job exports.render');
    expect(post && job).toBeTruthy();
    if (!post || !job) return;
    expect(children(post).map((s) => s.name)).toEqual(expect.arrayContaining(['postgresql insert']));
    expect(job.traceId).toBe(post.traceId);
    expect(job.parentSpanId).toBe(post.spanId);
    expect(job.kind).toBe(5); // CONSUMER
    const underJob = descendants(job).map((s) => s.name);
    expect(underJob).toContain('duckdb.query');
    expect(underJob).toContain('postgresql update');

    // No ids of tenants, studies, users or subjects, no e-mail, no SQL text in any attribute.
    const values = JSON.stringify(spans.map((s) => s.attributes ?? []));
    for (const secret of [
      tenant.org.id,
      tenant.study.id,
      admin.user.id,
      admin.user.email,
      dashboardId,
      exportId,
      'TR-001',
    ])
      expect(values).not.toContain(secret);
    expect(values).not.toMatch(/\bfrom\b|\bwhere\b/i);
  });
});
