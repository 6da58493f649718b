import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { testDatabase } from '../../test/test-database.ts';
import { AUTH_VERSION_POLL_MS, AUTH_VERSION_STALE_MS, actorCacheFor } from './actor-cache.ts';

/**
 * The actor cache (auth/actor-cache.ts) across two API processes on one database: `a` and `b`
 * stand for two `cdp api` processes. A change made through one process holds there at once and on
 * the other within AUTH_VERSION_STALE_MS; a change made in the database directly (`raw`, which,
 * unlike the harness's admin pool, does not tell the apps) holds everywhere within that bound.
 */
let a: TestApp;
let b: TestApp;
let raw: pg.Pool;
let tenant: Tenant;
/** The bound the decision promises, with room for a loaded test machine's timers. */
const BOUND_MS = AUTH_VERSION_STALE_MS + AUTH_VERSION_POLL_MS + 750;

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp();
  raw = new pg.Pool({ connectionString: testDatabase().adminUrl, max: 1 });
  tenant = await a.tenant();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await raw?.end();
});

const studies = (t: TestApp, session: Session | null, headers: Record<string, string> = {}) =>
  t.request(session, { method: 'GET', url: '/api/studies', headers });

/** Repeats `probe` until it answers `status`; answers the milliseconds it took (or throws past `limit`). */
async function until(status: number, probe: () => Promise<{ statusCode: number }>, limit = 5000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { statusCode } = await probe();
    const elapsed = performance.now() - started;
    if (statusCode === status) return elapsed;
    if (elapsed > limit) throw new Error(`still ${statusCode} after ${Math.round(elapsed)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('actor cache', () => {
  it('serves repeated requests from the cache, and a database change with no app told ends it within the bound', async () => {
    const session = await tenant.as('data_scientist');
    const cache = actorCacheFor(b.database, b.ctx.config.actorCacheSeconds);
    await cache.refresh(true);
    expect((await studies(b, session)).statusCode).toBe(200);
    expect(cache.size()).toBeGreaterThan(0);
    expect((await studies(b, session)).statusCode).toBe(200);
    // b holds the session in its cache; the revocation is made in the database, telling no app.
    await raw.query(
      `update sessions set revoked_at = now(), revoked_reason = 'test' where id = (
      select id from sessions where user_id = $1 order by created_at desc limit 1)`,
      [session.user.id],
    );
    expect(await until(401, () => studies(b, session))).toBeLessThan(BOUND_MS);
    expect(await until(401, () => studies(a, session))).toBeLessThan(BOUND_MS);
    expect((await studies(b, session)).json().error.message).toContain('session has ended');
  });

  it('a sign-out answered by one process holds there at once and on the other within the bound', async () => {
    const session = await tenant.as('data_scientist');
    expect((await studies(a, session)).statusCode).toBe(200);
    expect((await studies(b, session)).statusCode).toBe(200);
    const out = await a.request(session, { method: 'POST', url: '/api/auth/logout' });
    expect(out.statusCode).toBe(200);
    expect((await studies(a, session)).statusCode).toBe(401);
    expect(await until(401, () => studies(b, session))).toBeLessThan(BOUND_MS);
  });

  it('a role removed in the database narrows a cached user and a cached API key within the bound', async () => {
    const manager = await tenant.as('org_admin');
    const created = await a.request(manager, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'Cache test', scopes: ['study:view:assigned', 'audit:view:own'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = { 'x-api-key': (created.json() as { secret: string }).secret };
    const audit = (t: TestApp, session: Session | null, headers: Record<string, string> = {}) =>
      t.request(session, { method: 'GET', url: '/api/audit', headers });
    expect((await audit(b, null, key)).statusCode).toBe(200);
    expect((await audit(b, manager)).statusCode).toBe(200);

    await raw.query('delete from role_assignments where user_id = $1', [manager.user.id]);
    expect(await until(403, () => audit(b, null, key))).toBeLessThan(BOUND_MS);
    expect(await until(403, () => audit(b, manager))).toBeLessThan(BOUND_MS);
    expect((await audit(b, null, key)).json().error.details).toEqual({ missingPermission: 'audit:view:own' });
  });

  it('a key revoked through one process is refused there at once and on the other within the bound', async () => {
    const manager = await tenant.as('org_admin');
    const created = await a.request(manager, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'Revoked soon', scopes: ['study:view:assigned'] },
    });
    const { data, secret } = created.json() as { data: { id: string }; secret: string };
    const key = { 'x-api-key': secret };
    expect((await studies(a, null, key)).statusCode).toBe(200);
    expect((await studies(b, null, key)).statusCode).toBe(200);
    const revoked = await a.request(manager, {
      method: 'POST',
      url: `/api/api-keys/${data.id}/revoke`,
      payload: { reason: 'leaked' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const now = await studies(a, null, key);
    expect(now.statusCode).toBe(401);
    expect(now.json().error.message).toContain('revoked');
    expect(await until(401, () => studies(b, null, key))).toBeLessThan(BOUND_MS);
  });

  it('a role assignment that expires stops counting at its expiry, though the actor is cached', async () => {
    const user = await tenant.as('data_scientist');
    // 3 s: room for the two requests before it on a loaded machine, and still within the cache's life.
    await raw.query(
      `update role_assignments set expires_at = now() + interval '3000 milliseconds' where user_id = $1`,
      [user.user.id],
    );
    expect(await until(200, () => studies(b, user))).toBeLessThan(BOUND_MS);
    expect((await studies(b, user)).statusCode).toBe(200);
    // Within the cache's life (5 s) and with nothing changed in the database since: the cached grant's expiry decides.
    // Waited for by the database's clock, which set the expiry.
    const { rows } = await raw.query<{ ms: number }>(
      `select ceil(greatest(0, extract(epoch from max(expires_at) - now()) * 1000))::int as ms
         from role_assignments where user_id = $1`,
      [user.user.id],
    );
    await new Promise((resolve) => setTimeout(resolve, (rows[0]?.ms ?? 0) + 100));
    expect((await studies(b, user)).statusCode).toBe(403);
  });

  it('is off with ACTOR_CACHE_SECONDS=0: every request asks the database', async () => {
    const off = await startTestApp({ actorCacheSeconds: 0 });
    try {
      const session = await tenant.as('data_scientist');
      expect((await studies(off, session)).statusCode).toBe(200);
      expect(actorCacheFor(off.database, 0).size()).toBe(0);
      await raw.query(`update sessions set revoked_at = now() where user_id = $1`, [session.user.id]);
      expect((await studies(off, session)).statusCode).toBe(401);
    } finally {
      await off.close();
    }
  });
});
