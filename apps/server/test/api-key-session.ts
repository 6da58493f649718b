import { TENANT_PERMISSIONS } from '@cdp/contracts';
import { grantRole } from '@cdp/db/testing';
import type { Session, Tenant, TestApp } from './harness.ts';

export interface KeySession extends Session {
  keyId: string;
}

/**
 * A "session" whose token is an API key's secret: `t.request` sends it as `Authorization: Bearer
 * cdp_…`, so every test helper that takes a session works with keys too.
 */
export async function keySession(
  t: TestApp,
  creator: Session,
  body: { scopes: readonly string[]; studyIds?: string[]; hourlyLimit?: number; dailyLimit?: number; name?: string },
): Promise<KeySession> {
  const res = await t.request(creator, {
    method: 'POST',
    url: '/api/api-keys',
    payload: { name: 'Test key', hourlyLimit: 1_000_000, dailyLimit: 1_000_000, ...body },
  });
  if (res.statusCode !== 201) throw new Error(`creating a key failed: ${res.body}`);
  const { data, secret } = res.json() as { data: { id: string }; secret: string };
  return { user: creator.user, token: secret, cookie: '', refreshToken: '', keyId: data.id };
}

/** A user of the tenant holding every tenant permission (a custom role), to create keys of any scope. */
export async function everythingUser(t: TestApp, tenant: Tenant): Promise<Session> {
  const admin = await tenant.as('org_admin');
  const role = await t.request(admin, {
    method: 'POST',
    url: '/api/roles',
    payload: { key: 'everything', name: 'Everything', permissions: TENANT_PERMISSIONS },
  });
  if (role.statusCode !== 201 && role.statusCode !== 409) throw new Error(`role: ${role.body}`);
  const user = await tenant.as('auditor');
  await grantRole(t.database, user.user, 'everything');
  return { ...(await t.login(user.user.email)), user: user.user };
}
