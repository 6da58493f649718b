import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../scripts/cdp-process.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { watchDatabase } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { markShuttingDown, resetShuttingDown } from './shutdown.ts';

const TOKEN = 'metrics-test-token-0123456789';
let t: TestApp;
let server: Server | null;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  t = await startTestApp({ metricsPort: port, metricsHost: '127.0.0.1', metricsToken: TOKEN });
  watchDatabase(t.database.pool);
  server = await startMetricsServer(t.ctx);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  resetShuttingDown();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t.close();
});

describe('the admin listener (METRICS_PORT)', () => {
  it('answers /metrics only with the token, in the Prometheus format, with requests by route pattern and status', async () => {
    const session = await (await t.tenant()).as('org_admin');
    const study = await t.request(session, { method: 'GET', url: '/api/studies/00000000-0000-4000-8000-000000000000' });
    expect(study.statusCode).toBe(404);

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // The pattern, never the id: one series per route, not per resource.
    expect(text).toMatch(
      /cdp_http_request_duration_seconds_count\{method="GET",route="\/api\/studies\/:id",status="404"\} [1-9]/,
    );
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(text).toMatch(/cdp_db_pool_connections\{state="idle"\} \d/);
    expect(text).toContain('# TYPE cdp_job_queue_depth gauge');
    expect(text).toContain('cdp_process_cpu_seconds_total');
  });

  it('says ready until the process starts stopping, then not ready (a load balancer stops sending)', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await t.request(null, { method: 'GET', url: '/api/ready' })).statusCode).toBe(200);
    markShuttingDown();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', database: 'ok' });
    expect((await t.request(null, { method: 'GET', url: '/api/ready' })).statusCode).toBe(503);
    // Liveness stays up: the process is finishing its work, not stuck.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
