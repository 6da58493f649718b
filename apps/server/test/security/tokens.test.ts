import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../harness.ts';
import { tableSnapshot } from './snapshot.ts';

/**
 * Forged, tampered and replayed credentials: each is a 401 with a clear code, reaches no data,
 * and writes nothing but what it must (the reuse that ends a session).
 */

let t: TestApp;
let tenant: Tenant;
let other: Tenant;
let admin: Session;

const TEST_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The payload of a real token, so forgeries differ from it in one thing only. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  other = await t.tenant();
  admin = await tenant.as('org_admin');
});
afterAll(() => t.close());

describe('forged and tampered access tokens', () => {
  it('are 401, reveal nothing and write nothing', async () => {
    const claims = claimsOf(admin.token);
    const [header, , signature] = admin.token.split('.') as [string, string, string];
    const otherAdmin = await other.as('org_admin');
    const forgeries: Record<string, string> = {
      'payload swapped to another organization': `${header}.${b64({ ...claims, org: other.org.id })}.${signature}`,
      'payload swapped to another user': `${header}.${b64({ ...claims, sub: otherAdmin.user.id })}.${signature}`,
      'signature of another token': `${header}.${admin.token.split('.')[1]}.${otherAdmin.token.split('.')[2]}`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      'signed with a guessed secret': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('secret')),
      'HS512 with the right secret': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS512' })
        .sign(new TextEncoder().encode(TEST_SECRET)),
      'right secret, no audience': await new SignJWT({ org: claims.org, sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(claims.sub))
        .setIssuer('cdp')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_SECRET)),
      'random bytes': 'bm90LWEtdG9rZW4',
      'three empty parts': '..',
    };
    const before = await tableSnapshot(t.admin, [tenant.org.id, other.org.id]);
    for (const [what, token] of Object.entries(forgeries)) {
      const res = await t.request(null, {
        method: 'GET',
        url: `/api/studies/${tenant.study.id}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, what).toBe(401);
      expect(res.json().error.code, what).toBe('UNAUTHENTICATED');
      expect(res.body, what).not.toContain(tenant.study.code);
    }
    const { security_events: _events, ...rest } = await tableSnapshot(t.admin, [tenant.org.id, other.org.id]);
    const { security_events: _before, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
  });

  it('an expired token is 401 TOKEN_EXPIRED', async () => {
    const claims = claimsOf(admin.token);
    const expired = await new SignJWT({ org: claims.org, sid: claims.sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(claims.sub))
      .setIssuer('cdp')
      .setAudience('cdp-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const res = await t.request(null, {
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_EXPIRED');
  });

  it('the Bearer scheme is case-insensitive (RFC 9110), other schemes are not bearer', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const res = await t.request(null, {
        method: 'GET',
        url: '/api/me',
        headers: { authorization: `${scheme} ${admin.token}` },
      });
      expect(res.statusCode, scheme).toBe(200);
    }
    for (const header of [`Basic ${admin.token}`, `Bearer`, `Bearer  `, `Bearer ${admin.token} extra`, admin.token]) {
      const res = await t.request(null, { method: 'GET', url: '/api/me', headers: { authorization: header } });
      expect(res.statusCode, header).toBe(401);
    }
  });
});

describe('refresh tokens', () => {
  it('a spent refresh token presented again ends the whole session, for the thief and the user', async () => {
    const user = await tenant.as('study_manager');
    const first = await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie: user.cookie } });
    expect(first.statusCode).toBe(200);
    const rotated = first.cookies.find((c) => c.name === 'cdp_refresh')?.value as string;
    const newAccess = first.json().accessToken as string;

    // The thief replays the copied (now spent) token.
    const replay = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: user.cookie },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('REFRESH_TOKEN_REUSED');

    // Both the user's rotated refresh token and the access token of that session are dead.
    const after = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: `cdp_refresh=${rotated}` },
    });
    expect(after.statusCode).toBe(401);
    const me = await t.request(null, {
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${newAccess}` },
    });
    expect(me.statusCode).toBe(401);

    const { rows } = await t.admin.query(
      `select action from audit_events where org_id = $1 and action = 'auth.refresh_reuse' and actor_id = $2`,
      [tenant.org.id, user.user.id],
    );
    expect(rows).toHaveLength(1);
  });

  it('a forged refresh token is 401 and touches no session', async () => {
    // The previous test's security events are written in batches (every 5 s): write them now, so a
    // batch landing during this test is not taken for a write of the forged requests.
    await t.app.securityLog.flush();
    const before = await tableSnapshot(t.admin, [tenant.org.id, other.org.id]);
    for (const cookie of ['cdp_refresh=forged-token', `cdp_refresh=${'A'.repeat(43)}`, 'cdp_refresh=']) {
      const res = await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie } });
      expect(res.statusCode, cookie).toBe(401);
    }
    expect(await tableSnapshot(t.admin, [tenant.org.id, other.org.id])).toEqual(before);
  });
});
