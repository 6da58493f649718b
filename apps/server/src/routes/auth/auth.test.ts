import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function auditActions(orgId: string, resourceId?: string): Promise<string[]> {
  const { rows } = await t.admin.query<{ action: string }>(
    `select action from audit_events where org_id = $1 and ($2::text is null or resource_id = $2 or new_values->>'userId' = $2)
     order by seq`,
    [orgId, resourceId ?? null],
  );
  return rows.map((r) => r.action);
}

describe('login', () => {
  it('signs in with e-mail and password, returns a short-lived token and sets an httpOnly SameSite=Strict refresh cookie', async () => {
    const tenant = await t.tenant();
    const user = await t.user({ orgId: tenant.org.id, role: 'data_scientist' });
    const { response, token } = await t.login(user.email.toUpperCase());
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toMatchObject({
      id: user.id,
      email: user.email,
      orgId: tenant.org.id,
      mustChangePassword: false,
    });
    expect(body.expiresIn).toBe(900);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
    const cookie = response.cookies.find((c) => c.name === 'cdp_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });
    // The page may read that it is signed in, never the token itself.
    const marker = response.cookies.find((c) => c.name === 'cdp_signed_in');
    expect(marker).toMatchObject({ value: '1', path: '/', sameSite: 'Strict' });
    expect(marker?.httpOnly).toBeFalsy();
    expect(await auditActions(tenant.org.id, user.id)).toContain('auth.login');
  });

  it('stores passwords as argon2id hashes', async () => {
    const { rows } = await t.admin.query<{ password_hash: string }>(
      `select password_hash from users where email = 'platform@cdp.local'`,
    );
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('rejects a wrong password with one message for wrong password and unknown e-mail, and audits both', async () => {
    const tenant = await t.tenant();
    const user = await t.user({ orgId: tenant.org.id, role: 'auditor' });
    const wrong = await t.login(user.email, 'not-the-password-at-all');
    const unknown = await t.login('nobody-here@test.cdp.local', 'whatever-password');
    expect(wrong.response.statusCode).toBe(401);
    expect(unknown.response.statusCode).toBe(401);
    expect(wrong.response.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.response.json().error.message).toBe(wrong.response.json().error.message);
    expect(await auditActions(tenant.org.id, user.id)).toContain('auth.login_failed');
    const { rows } = await t.admin.query(
      `select 1 from audit_events e join organizations o on o.id = e.org_id
       where o.kind = 'platform' and e.action = 'auth.login_failed' and e.actor_label = 'nobody-here@test.cdp.local'`,
    );
    expect(rows).toHaveLength(1);
  });

  it('locks the account for this address for 15 minutes after 5 failures, answering like a wrong password', async () => {
    const tenant = await t.tenant();
    const user = await t.user({ orgId: tenant.org.id, role: 'auditor' });
    for (let i = 0; i < 5; i += 1) {
      expect((await t.login(user.email, 'wrong-password-attempt')).response.statusCode).toBe(401);
    }
    // Even the right password is refused now, with the same answer as a wrong one.
    const right = await t.login(user.email, TEST_PASSWORD);
    expect(right.response.statusCode).toBe(401);
    expect(right.response.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(right.response.json().error.message).toMatch(/After 5 failed attempts, sign-in from this address pauses/);
    expect(await auditActions(tenant.org.id, user.id)).toContain('auth.lockout');
    const { rows } = await t.admin.query(
      `select locked_until - now() as left from login_throttles where user_id = $1 and locked_until > now()`,
      [user.id],
    );
    expect(rows).toHaveLength(1);

    // Once the lock has run out, the right password works again.
    await t.admin.query(`update login_throttles set locked_until = now() - interval '1 second' where user_id = $1`, [
      user.id,
    ]);
    expect((await t.login(user.email)).response.statusCode).toBe(200);
  });

  it('rate-limits the login endpoint per client', async () => {
    const limited = await startTestApp({ loginRateLimitPerMinute: 2 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await limited.login('nobody@test.cdp.local', 'x')).response.statusCode);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; replaying a used one revokes the whole session', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('data_scientist');

    const first = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: session.cookie },
    });
    expect(first.statusCode).toBe(200);
    const rotated = first.cookies.find((c) => c.name === 'cdp_refresh')?.value;
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(session.refreshToken);
    const newToken = first.json().accessToken as string;

    // The thief (or a stale tab) replays the spent token.
    const replay = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: session.cookie },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('REFRESH_TOKEN_REUSED');

    // Everything of that family is dead now: the rotated token and the access tokens.
    const next = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: `cdp_refresh=${rotated}` },
    });
    expect(next.statusCode).toBe(401);
    const me = await t.request({ ...session, token: newToken }, { method: 'GET', url: '/api/me' });
    expect(me.statusCode).toBe(401);
    expect(await auditActions(tenant.org.id)).toEqual(
      expect.arrayContaining(['auth.refresh_reuse', 'auth.session_ended']),
    );
  });

  it('without a cookie is 401', async () => {
    const res = await t.request(null, { method: 'POST', url: '/api/auth/refresh' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('logout', () => {
  it('ends the session: the refresh cookie and the access token stop working, and it is audited', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('auditor');
    const res = await t.request(null, { method: 'POST', url: '/api/auth/logout', headers: { cookie: session.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.cookies.find((c) => c.name === 'cdp_refresh')?.value).toBe('');
    const refresh = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: session.cookie },
    });
    expect(refresh.statusCode).toBe(401);
    expect((await t.request(session, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect(await auditActions(tenant.org.id, session.user.id)).toContain('auth.logout');
  });

  it('works with only the bearer token (API clients)', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('auditor');
    expect((await t.request(session, { method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(200);
    expect((await t.request(session, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });
});

describe('idle timeout', () => {
  it('ends a session idle for longer than the timeout, on the next request and on refresh', async () => {
    const tenant = await t.tenant();
    const a = await tenant.as('auditor');
    await t.admin.query(`update sessions set last_activity_at = now() - interval '31 minutes' where user_id = $1`, [
      a.user.id,
    ]);
    const res = await t.request(a, { method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(res.json().error.message).toMatch(/30 minutes of inactivity/);
    expect(
      (await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie: a.cookie } })).statusCode,
    ).toBe(401);
    const { rows } = await t.admin.query(`select revoked_reason from sessions where user_id = $1`, [a.user.id]);
    expect(rows[0]?.revoked_reason).toBe('idle_timeout');

    const b = await tenant.as('auditor');
    await t.admin.query(`update sessions set last_activity_at = now() - interval '31 minutes' where user_id = $1`, [
      b.user.id,
    ]);
    const refresh = await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie: b.cookie } });
    expect(refresh.json().error.code).toBe('SESSION_EXPIRED');
  });

  it('follows SESSION_IDLE_MINUTES', async () => {
    const strict = await startTestApp({ sessionIdleMinutes: 5 });
    try {
      const tenant = await strict.tenant();
      const session = await tenant.as('auditor');
      await strict.admin.query(
        `update sessions set last_activity_at = now() - interval '6 minutes' where user_id = $1`,
        [session.user.id],
      );
      const res = await strict.request(session, { method: 'GET', url: '/api/me' });
      expect(res.json().error.message).toMatch(/5 minutes of inactivity/);
    } finally {
      await strict.close();
    }
  });

  it('keeps an active session alive', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('auditor');
    await t.admin.query(`update sessions set last_activity_at = now() - interval '29 minutes' where user_id = $1`, [
      session.user.id,
    ]);
    expect((await t.request(session, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    const { rows } = await t.admin.query<{ idle: number }>(
      `select extract(epoch from now() - last_activity_at)::int as idle from sessions where user_id = $1`,
      [session.user.id],
    );
    expect(rows[0]?.idle).toBeLessThan(5);
  });
});

describe('deactivated users', () => {
  it('cannot sign in, and their open sessions end at once', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const victim = await tenant.as('data_scientist');
    expect((await t.request(victim, { method: 'GET', url: '/api/studies' })).statusCode).toBe(200);

    const res = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${victim.user.id}/deactivate`,
      payload: { reason: 'left the company' },
    });
    expect(res.statusCode).toBe(200);
    expect((await t.request(victim, { method: 'GET', url: '/api/studies' })).statusCode).toBe(401);
    const refresh = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: victim.cookie },
    });
    expect(refresh.statusCode).toBe(401);
    const login = await t.login(victim.user.email);
    expect(login.response.statusCode).toBe(403);
    expect(login.response.json().error.code).toBe('ACCOUNT_DISABLED');
    expect(await auditActions(tenant.org.id, victim.user.id)).toEqual(
      expect.arrayContaining(['user.deactivated', 'auth.session_ended', 'auth.login_failed']),
    );
  });
});

describe('temporary passwords', () => {
  it('must be replaced before anything else; the policy is enforced with field paths', async () => {
    const tenant = await t.tenant();
    const user = await t.user({
      orgId: tenant.org.id,
      role: 'clinical_monitor',
      email: `jane.doe-${Date.now()}@test.cdp.local`,
      mustChangePassword: true,
    });
    const session = await t.login(user.email);
    expect(session.response.json().user.mustChangePassword).toBe(true);

    const blocked = await t.request(session, { method: 'GET', url: '/api/studies' });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await t.request(session, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);

    const change = (newPassword: string, currentPassword = TEST_PASSWORD) =>
      t.request(session, {
        method: 'POST',
        url: '/api/auth/change-password',
        payload: { currentPassword, newPassword },
      });

    const short = await change('Short-1');
    expect(short.statusCode).toBe(400);
    expect(short.json().error.details.issues[0].path).toBe('body.newPassword');

    const localPart = user.email.split('@')[0] ?? '';
    const withName = await change(`${localPart}-Secure-99`);
    expect(withName.json().error).toMatchObject({ code: 'PASSWORD_POLICY' });
    expect(withName.json().error.message).toMatch(/e-mail name/);

    const common = await change('Password123456');
    expect(common.json().error.message).toMatch(/too common/);
    const decorated = await change('Baseball!!2024');
    expect(decorated.json().error.message).toMatch(/too common/);

    const wrongCurrent = await change('Correct-Horse-Battery-7', 'not-my-password');
    expect(wrongCurrent.statusCode).toBe(401);
    expect(wrongCurrent.json().error.details.issues[0].path).toBe('body.currentPassword');

    const ok = await change('Correct-Horse-Battery-7');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.mustChangePassword).toBe(false);
    expect((await t.request(session, { method: 'GET', url: '/api/studies' })).statusCode).toBe(200);
    expect((await t.login(user.email, 'Correct-Horse-Battery-7')).response.statusCode).toBe(200);
    expect(await auditActions(tenant.org.id, user.id)).toContain('auth.password_changed');
  });
});

describe('tokens', () => {
  it('a missing, malformed, forged or expired access token is 401', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('auditor');
    const [header, payload] = session.token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('forged-signature').toString('base64url')}`;
    for (const authorization of [
      undefined,
      'Bearer',
      'Bearer not-a-jwt',
      `Bearer ${forged}`,
      `Basic ${session.token}`,
    ]) {
      const res = await t.request(null, {
        method: 'GET',
        url: '/api/me',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
    const { AccessTokens } = await import('../../auth/tokens.ts');
    const expired = await new AccessTokens('test-jwt-secret-0123456789abcdef0123456789', -10).sign({
      userId: session.user.id,
      orgId: tenant.org.id,
      sessionId: '00000000-0000-4000-8000-000000000000',
    });
    const res = await t.request({ ...session, token: expired }, { method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_EXPIRED');
  });
});
