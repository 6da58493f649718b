import { API_KEY_PATTERN } from '@cdp/contracts';
import { buildStudy } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { purgeRateLimits } from '../../jobs/handlers/purge-rate-limits.ts';

let t: TestApp;
let tenant: Tenant;
let admin: Session;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  admin = await tenant.as('org_admin');
});
afterAll(() => t.close());

async function createKey(session: Session, body: Record<string, unknown>) {
  const res = await t.request(session, {
    method: 'POST',
    url: '/api/api-keys',
    payload: { name: 'Warehouse sync', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { data: { id: string; prefix: string; status: string }; secret: string };
}

const withKey = (secret: string) => ({ 'x-api-key': secret });

describe('API keys', () => {
  it('creates a key whose secret is shown once and stored only as its SHA-256', async () => {
    const created = await createKey(admin, { scopes: ['study:view:assigned'] });
    expect(created.secret).toMatch(API_KEY_PATTERN);
    expect(created.secret.startsWith(created.data.prefix)).toBe(true);
    expect(created.data.status).toBe('active');

    const list = await t.request(admin, { method: 'GET', url: '/api/api-keys' });
    const one = await t.request(admin, { method: 'GET', url: `/api/api-keys/${created.data.id}` });
    const { rows: keys } = await t.admin.query('select secret_hash from api_keys where id = $1', [created.data.id]);
    const { rows: audit } = await t.admin.query(
      `select action, actor_type, new_values::text as v, resource_label from audit_events where resource_id = $1`,
      [created.data.id],
    );
    const expectedHash = (await import('node:crypto')).createHash('sha256').update(created.secret).digest('hex');
    expect(keys[0].secret_hash).toBe(expectedHash);
    for (const body of [list.body, one.body, JSON.stringify(audit)]) {
      expect(body).not.toContain(created.secret);
      expect(body).not.toContain(expectedHash);
    }
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'api_key.created',
        actor_type: 'user',
        resource_label: `Warehouse sync (${created.data.prefix}…)`,
      }),
    ]);
  });

  it('is accepted as X-API-Key or as a Bearer token, and the trail names the key', async () => {
    const created = await createKey(admin, {
      name: 'Study writer',
      scopes: ['study:view:assigned', 'study:manage:assigned'],
    });
    const byHeader = await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(created.secret) });
    expect(byHeader.statusCode, byHeader.body).toBe(200);
    expect(byHeader.json().data.map((s: { id: string }) => s.id)).toContain(tenant.study.id);
    const byBearer = await t.request(null, {
      method: 'PATCH',
      url: `/api/studies/${tenant.study.id}`,
      headers: { authorization: `Bearer ${created.secret}` },
      payload: { description: 'edited by a key' },
    });
    expect(byBearer.statusCode, byBearer.body).toBe(200);
    const { rows } = await t.admin.query(
      `select actor_type, actor_id, actor_label from audit_events where org_id = $1 and action = 'study.updated' order by seq desc limit 1`,
      [tenant.org.id],
    );
    expect(rows[0]).toEqual({ actor_type: 'api_key', actor_id: created.data.id, actor_label: 'Study writer' });
    const { rows: used } = await t.admin.query('select last_used_at, last_used_ip from api_keys where id = $1', [
      created.data.id,
    ]);
    expect(used[0].last_used_at).not.toBeNull();
    expect(used[0].last_used_ip).toBe('127.0.0.1');
  });

  it('answers 401 saying whether a key is wrong, revoked or expired', async () => {
    const wrong = await t.request(null, {
      method: 'GET',
      url: '/api/studies',
      headers: withKey(`cdp_${'A'.repeat(43)}`),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'api_key_unknown' } });
    const malformed = await t.request(null, {
      method: 'GET',
      url: '/api/studies',
      headers: { authorization: 'Bearer cdp_short' },
    });
    expect(malformed.json().error.details.reason).toBe('api_key_unknown');

    const revoked = await createKey(admin, { scopes: ['study:view:assigned'] });
    const revoke = await t.request(admin, {
      method: 'POST',
      url: `/api/api-keys/${revoked.data.id}/revoke`,
      payload: { reason: 'the sync job was retired' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().data).toMatchObject({ status: 'revoked', revokeReason: 'the sync job was retired' });
    const afterRevoke = await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(revoked.secret) });
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.message).toContain('revoked');
    const { rows } = await t.admin.query(
      `select reason from audit_events where action = 'api_key.revoked' and resource_id = $1`,
      [revoked.data.id],
    );
    expect(rows).toEqual([{ reason: 'the sync job was retired' }]);

    const expiring = await createKey(admin, {
      scopes: ['study:view:assigned'],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await t.admin.query(`update api_keys set expires_at = now() - interval '1 second' where id = $1`, [
      expiring.data.id,
    ]);
    const expired = await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(expiring.secret) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toMatchObject({ details: { reason: 'api_key_expired' } });
    expect(expired.json().error.message).toContain('expired');
  });

  it('a missing scope is 403 naming it; a study outside the key’s list is 404', async () => {
    const other = await buildStudy(t.database, { orgId: tenant.org.id });
    const key = await createKey(admin, { scopes: ['study:view:assigned'], studyIds: [tenant.study.id] });
    const edit = await t.request(null, {
      method: 'PATCH',
      url: `/api/studies/${tenant.study.id}`,
      headers: withKey(key.secret),
      payload: { description: 'not allowed' },
    });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error).toMatchObject({
      code: 'FORBIDDEN',
      details: { missingPermission: 'study:manage:assigned' },
    });
    const list = await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
    expect(list.json().data.map((s: { id: string }) => s.id)).toEqual([tenant.study.id]);
    const outside = await t.request(null, {
      method: 'GET',
      url: `/api/studies/${other.id}`,
      headers: withKey(key.secret),
    });
    expect(outside.statusCode).toBe(404);
  });

  it('never holds more than its creator: scopes beyond the creator are refused, and a lost role narrows the key', async () => {
    const manager = await tenant.as('org_admin');
    const beyond = await t.request(manager, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'Too much', scopes: ['audit:export:own'] },
    });
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json().error.details).toEqual({ missingPermission: 'audit:export:own' });
    const notAScope = await t.request(manager, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'Manager of users', scopes: ['user:manage:own'] },
    });
    expect(notAScope.statusCode).toBe(400);

    const key = await createKey(manager, { scopes: ['study:view:assigned', 'audit:view:own'] });
    expect((await t.request(null, { method: 'GET', url: '/api/audit', headers: withKey(key.secret) })).statusCode).toBe(
      200,
    );
    await t.admin.query('delete from role_assignments where user_id = $1', [manager.user.id]);
    await t.user({ orgId: tenant.org.id, role: 'auditor' }); // unrelated: the key follows its own creator only
    const after = await t.request(null, { method: 'GET', url: '/api/audit', headers: withKey(key.secret) });
    expect(after.statusCode).toBe(403);
    expect(after.json().error.details).toEqual({ missingPermission: 'audit:view:own' });
  });

  it('is refused while the organization has the public_api feature switched off', async () => {
    const other = await t.tenant();
    const owner = await other.as('org_admin');
    const key = await createKey(owner, { scopes: ['study:view:assigned'] });
    await t.admin.query(
      `update organizations set features = coalesce(features, '{}'::jsonb) || '{"public_api": false}' where id = $1`,
      [other.org.id],
    );
    const res = await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'FEATURE_DISABLED', details: { feature: 'public_api' } });
  });

  it('cannot manage keys, nor reach the session routes', async () => {
    const key = await createKey(admin, { scopes: ['study:view:assigned'] });
    for (const [method, url] of [
      ['GET', '/api/api-keys'],
      ['POST', '/api/api-keys'],
      ['GET', '/api/me'],
      ['POST', '/api/auth/change-password'],
    ] as const) {
      const res = await t.request(null, {
        method,
        url,
        headers: withKey(key.secret),
        payload: method === 'POST' ? {} : undefined,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.details).toEqual({ actorType: 'api_key' });
    }
  });

  it('another organization sees nothing of the key; a colleague without api:manage_key cannot revoke it', async () => {
    const key = await createKey(admin, { scopes: ['study:view:assigned'] });
    const other = await t.tenant();
    const outsider = await other.as('org_admin');
    expect((await t.request(outsider, { method: 'GET', url: `/api/api-keys/${key.data.id}` })).statusCode).toBe(404);
    const list = await t.request(outsider, { method: 'GET', url: '/api/api-keys' });
    expect(list.body).not.toContain(key.data.id);
    const scientist = await tenant.as('data_scientist');
    const res = await t.request(scientist, { method: 'GET', url: `/api/api-keys/${key.data.id}` });
    expect(res.statusCode).toBe(403);
    // The key works in its own organization only: another tenant's study is a 404.
    const probe = await t.request(null, {
      method: 'GET',
      url: `/api/studies/${other.study.id}`,
      headers: withKey(key.secret),
    });
    expect(probe.statusCode).toBe(404);
  });
});

describe('rate limits', () => {
  it('counts per key in PostgreSQL across API processes, with RateLimit headers and a 429 with Retry-After', async () => {
    const second = await startTestApp();
    try {
      const key = await createKey(admin, { scopes: ['study:view:assigned'], hourlyLimit: 3, dailyLimit: 100 });
      const first = await t.request(null, {
        method: 'GET',
        url: `/api/studies/${tenant.study.id}`,
        headers: withKey(key.secret),
      });
      expect(first.headers['ratelimit-limit']).toBe('3');
      expect(first.headers['ratelimit-remaining']).toBe('2');
      const reset = Number(first.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(3600);
      const viaSecond = await second.request(null, {
        method: 'GET',
        url: '/api/studies',
        headers: withKey(key.secret),
      });
      expect(viaSecond.headers['ratelimit-remaining']).toBe('1');
      await t.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
      const refused = await second.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 3, windowSeconds: 3600 } });
      expect(refused.json().error.message).toContain('3 requests per hour');
    } finally {
      await second.close();
    }
  });

  it('applies the per-route limit of a key beside its hourly limit', async () => {
    const limited = await startTestApp({ rateLimitRoutes: { ...t.ctx.config.rateLimitRoutes, list_studies: 2 } });
    try {
      const key = await createKey(admin, { scopes: ['study:view:assigned'] });
      for (let i = 0; i < 2; i += 1) {
        const ok = await limited.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
        expect(ok.statusCode).toBe(200);
      }
      const refused = await limited.request(null, { method: 'GET', url: '/api/studies', headers: withKey(key.secret) });
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.message).toContain('2 list_studies requests per hour');
      // Another route of the same key still has its budget.
      const one = await limited.request(null, {
        method: 'GET',
        url: `/api/studies/${tenant.study.id}`,
        headers: withKey(key.secret),
      });
      expect(one.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('a key’s limits changed in the database hold on its next request (its kept buckets go with its cached actor)', async () => {
    const key = await createKey(admin, { scopes: ['study:view:assigned'], hourlyLimit: 50, dailyLimit: 100 });
    const get = () =>
      t.request(null, { method: 'GET', url: `/api/studies/${tenant.study.id}`, headers: withKey(key.secret) });
    const first = await get();
    expect(first.headers['ratelimit-limit']).toBe('50');
    expect((await get()).headers['ratelimit-remaining']).toBe('48');
    // Changed elsewhere (psql, another process): the trigger bumps auth_version, the cached actor and its buckets go.
    await t.admin.query('update api_keys set hourly_limit = 4 where id = $1', [key.data.id]);
    const after = await get();
    expect(after.headers['ratelimit-limit']).toBe('4');
    expect(after.headers['ratelimit-remaining']).toBe('1');
    await get();
    const refused = await get();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toContain('4 requests per hour');
  });

  it('limits a signed-in user per hour', async () => {
    const strict = await startTestApp({ rateLimitUserPerHour: 2 });
    try {
      const user = await strict.signIn({ orgId: tenant.org.id, role: 'auditor' });
      expect((await strict.request(user, { method: 'GET', url: '/api/studies' })).headers['ratelimit-limit']).toBe('2');
      await strict.request(user, { method: 'GET', url: '/api/studies' });
      const refused = await strict.request(user, { method: 'GET', url: '/api/studies' });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
    } finally {
      await strict.close();
    }
  });

  it('rate_limits.purge drops windows that have ended and keeps the current ones', async () => {
    const bucket = `test:${Date.now()}`;
    await t.admin.query(
      `insert into rate_limit_counters (org_id, bucket, window_start, window_seconds, hits) values
         ($1, $2, date_trunc('hour', now()) - interval '3 hours', 3600, 5),
         ($1, $2, date_trunc('hour', now()), 3600, 7)`,
      [tenant.org.id, bucket],
    );
    const result = await purgeRateLimits(t.ctx);
    expect(result.counters).toBeGreaterThanOrEqual(1);
    const { rows } = await t.admin.query('select hits from rate_limit_counters where bucket = $1', [bucket]);
    expect(rows).toEqual([{ hits: 7 }]);
  });
});
