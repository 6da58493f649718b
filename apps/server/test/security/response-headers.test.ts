import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../harness.ts';

/** Every API answer, success or error, signed in or not, tells caches not to keep it. */

let t: TestApp;
let admin: Session;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  admin = await tenant.as('org_admin');
  ids = { id: tenant.study.id };
});
afterAll(() => t.close());

describe('Cache-Control on /api', () => {
  it('every GET route answers with no-store (whatever its status)', async () => {
    let checked = 0;
    for (const route of t.routes) {
      if (route.method !== 'GET' || !route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) continue;
      if (route.url === '/api/openapi.json') continue;
      const url = route.url.replace(
        /:(\w+)/g,
        (_m, name: string) => ids[name] ?? '00000000-0000-4000-8000-000000000000',
      );
      for (const session of [admin, null]) {
        const res = await t.request(session, { method: 'GET', url });
        expect(res.headers['cache-control'], `${url} (${res.statusCode})`).toBe('no-store');
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('sign-in, refresh, writes and unknown API paths too; the public API description may be cached', async () => {
    const login = await t.login(admin.user.email);
    expect(login.response.headers['cache-control']).toBe('no-store');
    const refresh = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: login.cookie },
    });
    expect(refresh.headers['cache-control']).toBe('no-store');
    const write = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'NS-1', name: 'No store', phase: 'I' },
    });
    expect(write.statusCode).toBe(201);
    expect(write.headers['cache-control']).toBe('no-store');
    const unknown = await t.request(admin, { method: 'GET', url: '/api/nothing-here' });
    expect(unknown.headers['cache-control']).toBe('no-store');
    const spec = await t.request(null, { method: 'GET', url: '/api/openapi.json' });
    expect(spec.headers['cache-control']).toBeUndefined();
  });
});
