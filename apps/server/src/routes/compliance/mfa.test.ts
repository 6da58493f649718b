import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from '../../../test/harness.ts';
import { awayFromStepEdge, totpCode } from '../../../test/totp-codes.ts';

/** TOTP second factor (RFC 6238): enrolment, the sign-in second step, recovery codes, policy, reset. */

let t: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
});
afterAll(() => t.close());

/** Enrols the session's user; the confirming code is of the previous step, so steps 0 and +1 remain. */
async function enrol(session: Session): Promise<{ secret: string; recoveryCodes: string[]; qrDataUrl: string }> {
  await awayFromStepEdge();
  const start = await t.request(session, { method: 'POST', url: '/api/me/mfa/enrol', payload: {} });
  expect(start.statusCode, start.body).toBe(200);
  const { secret, qrDataUrl } = start.json().data;
  const confirm = await t.request(session, {
    method: 'POST',
    url: '/api/me/mfa/confirm',
    payload: { code: totpCode(secret, -1) },
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  return { secret, qrDataUrl, recoveryCodes: confirm.json().data.recoveryCodes };
}

function secondStep(challenge: string, code: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login/mfa', payload: { challenge, code } });
}

async function firstStep(email: string): Promise<string> {
  const res = await t.login(email);
  expect(res.response.statusCode).toBe(200);
  const body = res.response.json();
  expect(body).toMatchObject({ mfa: 'verify' });
  expect(body.accessToken).toBeUndefined();
  expect(res.response.cookies.find((c) => c.name === 'cdp_refresh')).toBeUndefined();
  return body.challenge;
}

describe('TOTP enrolment', () => {
  it('shows a QR code, confirms with a code, returns ten recovery codes once, keeps the secret encrypted and the codes hashed', async () => {
    const user = await tenant.as('study_manager');
    const wrongFirst = await t.request(user, { method: 'POST', url: '/api/me/mfa/enrol', payload: {} });
    const pending = wrongFirst.json().data.secret;
    const bad = await t.request(user, { method: 'POST', url: '/api/me/mfa/confirm', payload: { code: '12345' } });
    expect(bad.statusCode).toBe(400);
    const mismatch = await t.request(user, {
      method: 'POST',
      url: '/api/me/mfa/confirm',
      payload: { code: totpCode(pending) === '000000' ? '111111' : '000000' },
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.details.issues[0].path).toBe('body.code');

    const { secret, recoveryCodes, qrDataUrl } = await enrol(user);
    expect(qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrDataUrl.split(',')[1] ?? '', 'base64').toString()).toContain('<svg');
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const { rows: mfa } = await t.admin.query('select secret_encrypted, status from user_mfa where user_id = $1', [
      user.user.id,
    ]);
    expect(mfa[0].status).toBe('enabled');
    expect(mfa[0].secret_encrypted).toMatch(/^v1\./);
    expect(mfa[0].secret_encrypted).not.toContain(secret);
    const { rows: codes } = await t.admin.query('select code_hash from mfa_recovery_codes where user_id = $1', [
      user.user.id,
    ]);
    expect(codes).toHaveLength(10);
    for (const row of codes) {
      expect(row.code_hash).toMatch(/^\$argon2id\$/);
      for (const code of recoveryCodes) expect(row.code_hash).not.toContain(code);
    }
    const status = await t.request(user, { method: 'GET', url: '/api/me/mfa' });
    expect(status.json().data).toEqual({ enabled: true, recoveryCodesLeft: 10, required: false });
    const { rows: audit } = await t.admin.query(
      `select action, new_values::text as v from audit_events where actor_id = $1::text and action = 'mfa.enrolled'`,
      [user.user.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].v).not.toContain(secret);
  });
});

describe('sign-in with a second factor', () => {
  it('asks for the code after the password; the code signs in once, a replay is refused', async () => {
    const user = await tenant.as('data_scientist');
    const { secret } = await enrol(user);
    const challenge = await firstStep(user.user.email);
    const code = totpCode(secret, 0);
    const ok = await secondStep(challenge, code);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().accessToken).toBeTruthy();
    expect(ok.cookies.find((c) => c.name === 'cdp_refresh')).toBeDefined();
    // The challenge is spent, and the same code in a new challenge is a replay.
    expect((await secondStep(challenge, totpCode(secret, 1))).statusCode).toBe(401);
    const replay = await secondStep(await firstStep(user.user.email), code);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/already used/);
  });

  it('a recovery code signs in once', async () => {
    const user = await tenant.as('clinical_monitor');
    const { recoveryCodes } = await enrol(user);
    const code = recoveryCodes[3] ?? '';
    const first = await secondStep(await firstStep(user.user.email), code.toUpperCase());
    expect(first.statusCode, first.body).toBe(200);
    const again = await secondStep(await firstStep(user.user.email), code);
    expect(again.statusCode).toBe(401);
    const status = await t.request({ ...user, token: first.json().accessToken }, { method: 'GET', url: '/api/me/mfa' });
    expect(status.json().data.recoveryCodesLeft).toBe(9);
    const { rows } = await t.admin.query(
      `select count(*)::int as n from audit_events where actor_id = $1::text and action = 'mfa.recovery_code_used'`,
      [user.user.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('wrong codes count toward the sign-in lock and are audited', async () => {
    const user = await tenant.as('auditor');
    await enrol(user);
    for (let i = 0; i < 5; i += 1) {
      const res = await secondStep(await firstStep(user.user.email), '000000');
      expect(res.statusCode).toBe(401);
    }
    const { rows } = await t.admin.query(
      `select (select count(*)::int from audit_events where actor_id = $1::text and action = 'mfa.code_failed') as failed,
              (select count(*)::int from audit_events where actor_id = $1::text and action = 'auth.lockout') as locks`,
      [user.user.id],
    );
    // Unless 000000 happened to be the current code (one in a million), five wrong codes locked the account.
    expect(rows[0]).toEqual({ failed: 5, locks: 1 });
    const locked = await t.login(user.user.email);
    expect(locked.response.statusCode).toBe(401);
  });
});

describe('organization policy and administration', () => {
  it('"require MFA": a user without it enrols at the next sign-in, then signs in with the session', async () => {
    const org = await t.tenant();
    const admin = await org.as('org_admin');
    const member = await org.as('study_manager');
    const set = await t.request(admin, {
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { requireMfa: true },
    });
    expect(set.statusCode).toBe(200);
    const first = await t.login(member.user.email);
    expect(first.response.json()).toMatchObject({ mfa: 'enrol' });
    const challenge = first.response.json().challenge;
    await awayFromStepEdge();
    const start = await t.app.inject({ method: 'POST', url: '/api/auth/login/mfa/enrol', payload: { challenge } });
    expect(start.statusCode, start.body).toBe(200);
    const secret = start.json().data.secret;
    const wrongChallenge = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login/mfa',
      payload: { challenge, code: totpCode(secret) },
    });
    expect(wrongChallenge.statusCode).toBe(401);
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login/mfa/enrol/confirm',
      payload: { challenge, code: totpCode(secret, 0) },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().recoveryCodes).toHaveLength(10);
    const session = { ...member, token: done.json().accessToken };
    expect((await t.request(session, { method: 'GET', url: '/api/studies' })).statusCode).toBe(200);
    // Turning it off is refused while the organization requires it.
    const off = await t.request(session, {
      method: 'POST',
      url: '/api/me/mfa/disable',
      payload: { password: TEST_PASSWORD, code: totpCode(secret, 1) },
    });
    expect(off.statusCode).toBe(409);
  });

  it('an org admin resets a user’s MFA (audited with the reason); the user then signs in with the password', async () => {
    const admin = await tenant.as('org_admin');
    const member = await tenant.as('study_manager');
    await enrol(member);
    const denied = await t.request(member, {
      method: 'POST',
      url: `/api/users/${member.user.id}/mfa/reset`,
      payload: { reason: 'Lost phone' },
    });
    expect(denied.statusCode).toBe(403);
    const reset = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${member.user.id}/mfa/reset`,
      payload: { reason: 'Lost phone' },
    });
    expect(reset.statusCode, reset.body).toBe(200);
    const { rows } = await t.admin.query(
      `select actor_id, reason from audit_events where resource_id = $1::text and action = 'mfa.reset'`,
      [member.user.id],
    );
    expect(rows).toEqual([{ actor_id: admin.user.id, reason: 'Lost phone' }]);
    const login = await t.login(member.user.email);
    expect(login.response.json().accessToken).toBeTruthy();
    const again = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${member.user.id}/mfa/reset`,
      payload: { reason: 'Lost phone' },
    });
    expect(again.statusCode).toBe(409);
    const other = await (await t.tenant()).as('org_admin');
    const foreign = await t.request(other, {
      method: 'POST',
      url: `/api/users/${member.user.id}/mfa/reset`,
      payload: { reason: 'Cross-tenant' },
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('a user turns their own MFA off with the password and a current code', async () => {
    const member = await tenant.as('study_manager');
    const { secret } = await enrol(member);
    const wrong = await t.request(member, {
      method: 'POST',
      url: '/api/me/mfa/disable',
      payload: { password: 'wrong-password', code: totpCode(secret, 0) },
    });
    expect(wrong.statusCode).toBe(401);
    const off = await t.request(member, {
      method: 'POST',
      url: '/api/me/mfa/disable',
      payload: { password: TEST_PASSWORD, code: totpCode(secret, 0) },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect((await t.admin.query('select 1 from user_mfa where user_id = $1', [member.user.id])).rows).toHaveLength(0);
  });
});
