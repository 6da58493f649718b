import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('health and API description', () => {
  it('answers liveness without a token', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database answers and migrations are current', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', database: 'ok', migrations: { current: true } });
  });

  it('publishes OpenAPI with the paths outside checks rely on', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toMatch(/^3\./);
    const required: [string, string][] = [
      ['/api/auth/login', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/me', 'get'],
      ['/api/studies', 'get'],
      ['/api/studies', 'post'],
      ['/api/studies/{id}', 'get'],
      ['/api/users', 'get'],
      ['/api/users', 'post'],
      ['/api/platform/organizations', 'get'],
      ['/api/platform/organizations', 'post'],
      ['/api/audit', 'get'],
      ['/api/audit/verify', 'get'],
    ];
    for (const [path, method] of required) {
      expect(spec.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    // Login's body schema is generated from the zod schema.
    expect(JSON.stringify(spec.paths['/api/auth/login'])).toContain('"email"');
  });

  it('serves interactive docs', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});
