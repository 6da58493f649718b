import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from '../harness.ts';

/**
 * Password guessing, as the probe tried it: through change-password with a stolen session, and
 * through sign-in to learn which accounts exist or to lock their owners out.
 */

let t: TestApp;
let tenant: Tenant;

const NEW_PASSWORD = 'Correct-Horse-Battery-7';

function changePassword(t: TestApp, session: Session, currentPassword: string, remoteAddress?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/change-password',
    headers: { authorization: `Bearer ${session.token}` },
    payload: { currentPassword, newPassword: NEW_PASSWORD },
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

function loginFrom(t: TestApp, email: string, password: string, remoteAddress: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });
}

async function auditRows(orgId: string, userId: string) {
  const { rows } = await t.admin.query<{ action: string; new_values: Record<string, unknown> }>(
    'select action, new_values from audit_events where org_id = $1 and actor_id = $2 order by seq',
    [orgId, userId],
  );
  return rows;
}

async function securityRows(orgId: string, kind: string) {
  await t.app.securityLog.flush();
  const { rows } = await t.admin.query<{ count: number; actor_id: string | null; detail: Record<string, unknown> }>(
    'select count, actor_id, detail from security_events where org_id = $1 and kind = $2',
    [orgId, kind],
  );
  return rows;
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
});
afterAll(() => t.close());

describe('re-authentication (change password)', () => {
  it('wrong current passwords are audited, count toward the sign-in lock, and then stop being checked', async () => {
    const session = await tenant.as('study_manager');
    for (let i = 0; i < 4; i++) {
      const res = await changePassword(t, session, `guess-number-${i}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.details.issues[0].path).toBe('body.currentPassword');
    }
    // The fifth wrong password, now at sign-in, completes the same count.
    expect((await t.login(session.user.email, 'guess-number-4')).response.statusCode).toBe(401);

    // Locked: change-password refuses even the right password, and says so (the caller is signed in).
    const locked = await changePassword(t, session, TEST_PASSWORD);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.code).toBe('ACCOUNT_LOCKED');
    expect(locked.json().error.message).toMatch(/Too many wrong passwords/);
    const { rows } = await t.admin.query('select password_hash from users where id = $1', [session.user.id]);
    expect(rows[0].password_hash).toBe(t.passwordHash);

    const audit = await auditRows(tenant.org.id, session.user.id);
    const reauth = audit.filter((r) => r.action === 'auth.reauth_failed');
    expect(reauth).toHaveLength(4);
    expect(reauth[3]?.new_values).toMatchObject({ purpose: 'change_password', consecutiveFailures: 4 });
    expect(audit.map((r) => r.action)).toContain('auth.lockout');

    const events = await securityRows(tenant.org.id, 'login_locked');
    expect(events.filter((e) => e.actor_id === session.user.id).length).toBeGreaterThan(0);
  });

  it('is rate-limited per client, and hitting the limit is a security event', async () => {
    const limited = await startTestApp({ loginRateLimitPerMinute: 3 });
    try {
      const own = await limited.tenant();
      const session = await own.as('auditor');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await changePassword(limited, session, `guess-${i}`)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
      await limited.app.securityLog.flush();
      const { rows } = await limited.admin.query(
        `select count, route from security_events where org_id = $1 and kind = 'rate_limited'`,
        [own.org.id],
      );
      expect(rows).toEqual([{ count: 1, route: '/api/auth/change-password' }]);
    } finally {
      await limited.close();
    }
  });
});

describe('sign-in', () => {
  it('a locked account answers exactly like an unknown e-mail and a wrong password', async () => {
    const user = await t.user({ orgId: tenant.org.id, role: 'auditor' });
    const address = '198.51.100.7';
    for (let i = 0; i < 5; i++) await loginFrom(t, user.email, 'wrong-password-attempt', address);
    const locked = await loginFrom(t, user.email, TEST_PASSWORD, address);
    const unknown = await loginFrom(t, 'nobody-at-all@test.cdp.local', TEST_PASSWORD, address);
    const wrong = await loginFrom(t, (await t.user({ orgId: tenant.org.id, role: 'auditor' })).email, 'nope', address);
    expect(locked.statusCode).toBe(401);
    expect(locked.body).toBe(unknown.body);
    expect(wrong.body).toBe(unknown.body);
    expect(Object.keys(locked.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
  });

  it('five wrong passwords from one address lock that address only: the owner elsewhere still signs in', async () => {
    const user = await t.user({ orgId: tenant.org.id, role: 'auditor' });
    for (let i = 0; i < 6; i++) await loginFrom(t, user.email, 'attacker-guess', '203.0.113.66');
    expect((await loginFrom(t, user.email, TEST_PASSWORD, '203.0.113.66')).statusCode).toBe(401);
    expect((await loginFrom(t, user.email, TEST_PASSWORD, '192.0.2.10')).statusCode).toBe(200);
    const lockouts = (await auditRows(tenant.org.id, user.id)).filter((r) => r.action === 'auth.lockout');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]?.new_values).toMatchObject({ scope: 'address', afterFailures: 5 });
  });

  it('guesses spread over many addresses lock the whole account at the account threshold', async () => {
    const spread = await startTestApp({ loginAccountMaxFailures: 8 });
    try {
      const own = await spread.tenant();
      const user = await spread.user({ orgId: own.org.id, role: 'auditor' });
      for (let i = 0; i < 8; i++) await loginFrom(spread, user.email, 'distributed-guess', `198.18.0.${i + 1}`);
      expect((await loginFrom(spread, user.email, TEST_PASSWORD, '192.0.2.99')).statusCode).toBe(401);
      const { rows } = await spread.admin.query('select locked_until > now() as locked from users where id = $1', [
        user.id,
      ]);
      expect(rows[0].locked).toBe(true);
      // An administrator's unlock lifts it.
      const admin = await own.as('org_admin');
      const unlock = await spread.request(admin, { method: 'POST', url: `/api/users/${user.id}/unlock` });
      expect(unlock.statusCode).toBe(200);
      expect((await loginFrom(spread, user.email, TEST_PASSWORD, '192.0.2.99')).statusCode).toBe(200);
    } finally {
      await spread.close();
    }
  });
});
