import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function roleId(key: string, session: Parameters<TestApp['request']>[0]): Promise<string> {
  const roles = (await t.request(session, { method: 'GET', url: '/api/roles' })).json().data as {
    id: string;
    key: string;
  }[];
  const role = roles.find((r) => r.key === key);
  if (!role) throw new Error(`no role ${key}`);
  return role.id;
}

describe('users', () => {
  it('an admin creates a user with a temporary password and a study-limited role; the user must replace it', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const monitorRole = await roleId('clinical_monitor', admin);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        email: '  Nina.Monitor@Example.com ',
        name: 'Nina Monitor',
        temporaryPassword: 'Welcome-To-Cdp-2026',
        roles: [{ roleId: monitorRole, studyId: tenant.study.id, expiresAt }],
      },
    });
    expect(res.statusCode).toBe(201);
    const user = res.json().data;
    expect(user).toMatchObject({ email: 'nina.monitor@example.com', status: 'active', mustChangePassword: true });
    expect(user.roles).toEqual([
      expect.objectContaining({
        roleKey: 'clinical_monitor',
        studyId: tenant.study.id,
        studyCode: tenant.study.code,
        expired: false,
      }),
    ]);
    expect(JSON.stringify(res.json())).not.toContain('Welcome-To-Cdp-2026');

    const session = await t.login('nina.monitor@example.com', 'Welcome-To-Cdp-2026');
    expect(session.response.json().user.mustChangePassword).toBe(true);
    const { rows } = await t.admin.query(
      'select action from audit_events where org_id = $1 and resource_id = $2 order by seq',
      [tenant.org.id, user.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['user.created', 'role.assigned']);
  });

  it('rejects a temporary password that breaks the policy, a taken e-mail, and an unknown role — creating nothing', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const create = (payload: object) => t.request(admin, { method: 'POST', url: '/api/users', payload });
    const weak = await create({ email: 'weak@test.cdp.local', name: 'W', temporaryPassword: 'password1234' });
    expect(weak.json().error).toMatchObject({
      code: 'PASSWORD_POLICY',
      details: { issues: [{ path: 'body.temporaryPassword' }] },
    });
    const taken = await create({ email: admin.user.email, name: 'Again', temporaryPassword: 'Welcome-To-Cdp-2026' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.details.issues[0].path).toBe('body.email');
    const badRole = await create({
      email: 'badrole@test.cdp.local',
      name: 'B',
      temporaryPassword: 'Welcome-To-Cdp-2026',
      roles: [{ roleId: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().error.details.issues[0].path).toBe('body.roles.0.roleId');
    const { rows } = await t.admin.query(`select count(*)::int as n from users where email = 'badrole@test.cdp.local'`);
    expect(rows[0].n).toBe(0);
  });

  it('enforces max_users on creation and on reactivation', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const other = await t.user({ orgId: tenant.org.id, role: 'auditor' });
    await t.admin.query('update organizations set max_users = 2 where id = $1', [tenant.org.id]);
    const over = await t.request(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { email: 'third@test.cdp.local', name: 'Third', temporaryPassword: 'Welcome-To-Cdp-2026' },
    });
    expect(over.json().error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'max_users', limit: 2 } });
    expect(over.json().error.message).toMatch(/limit of 2 active users \(max_users\)/);

    await t.request(admin, { method: 'POST', url: `/api/users/${other.id}/deactivate`, payload: { reason: 'left' } });
    const now = await t.request(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { email: 'third@test.cdp.local', name: 'Third', temporaryPassword: 'Welcome-To-Cdp-2026' },
    });
    expect(now.statusCode).toBe(201);
    const back = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${other.id}/reactivate`,
      payload: { reason: 'back' },
    });
    expect(back.json().error.code).toBe('QUOTA_EXCEEDED');
  });

  it('an admin cannot deactivate themselves or revoke their own roles', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const self = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${admin.user.id}/deactivate`,
      payload: { reason: 'oops' },
    });
    expect(self.json().error.code).toBe('INVALID_STATE');
    const roles = (await t.request(admin, { method: 'GET', url: `/api/users/${admin.user.id}/roles` })).json().data;
    const revoke = await t.request(admin, {
      method: 'DELETE',
      url: `/api/users/${admin.user.id}/roles/${roles[0].id}`,
    });
    expect(revoke.json().error.code).toBe('INVALID_STATE');
  });

  it('assigns and revokes roles per study with expiry; both are audited; duplicates are refused', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const user = await t.user({ orgId: tenant.org.id });
    const manager = await roleId('study_manager', admin);
    const assign = (payload: object) =>
      t.request(admin, { method: 'POST', url: `/api/users/${user.id}/roles`, payload });
    const first = await assign({ roleId: manager, studyId: tenant.study.id });
    expect(first.statusCode).toBe(201);
    expect(first.json().data).toHaveLength(1);
    expect((await assign({ roleId: manager, studyId: tenant.study.id })).statusCode).toBe(409);
    const past = await assign({ roleId: manager, studyId: null, expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.json().error.details.issues[0].path).toBe('body.expiresAt');
    const otherOrg = await t.tenant();
    const foreignStudy = await assign({ roleId: manager, studyId: otherOrg.study.id });
    expect(foreignStudy.json().error.details.issues[0].path).toBe('body.studyId');

    const session = await t.login(user.email);
    expect((await t.request(session, { method: 'GET', url: '/api/studies' })).json().data).toHaveLength(1);

    const id = first.json().data[0].id;
    const revoked = await t.request(admin, {
      method: 'DELETE',
      url: `/api/users/${user.id}/roles/${id}?reason=rotation`,
    });
    expect(revoked.json().data).toHaveLength(0);
    expect((await t.request(session, { method: 'GET', url: '/api/studies' })).statusCode).toBe(403);
    const { rows } = await t.admin.query(
      `select action, reason from audit_events where org_id = $1 and resource_id = $2 and action like 'role.%' order by seq`,
      [tenant.org.id, user.id],
    );
    expect(rows).toEqual([
      { action: 'role.assigned', reason: null },
      { action: 'role.revoked', reason: 'rotation' },
    ]);
  });

  it('the platform administrator role cannot be assigned inside a tenant', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const { rows } = await t.admin.query(`select id from roles where key = 'platform_admin'`);
    const res = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${admin.user.id}/roles`,
      payload: { roleId: rows[0].id },
    });
    expect(res.statusCode).toBe(400);
    const roles = (await t.request(admin, { method: 'GET', url: '/api/roles' })).json().data;
    expect(roles.map((r: { key: string }) => r.key)).not.toContain('platform_admin');
  });

  it('resets a password (the user must change it again, sessions end) and unlocks a locked account', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const user = await tenant.as('auditor');
    const reset = await t.request(admin, {
      method: 'POST',
      url: `/api/users/${user.user.id}/reset-password`,
      payload: { temporaryPassword: 'Fresh-Start-Pass-77' },
    });
    expect(reset.json().data.mustChangePassword).toBe(true);
    expect((await t.request(user, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect((await t.login(user.user.email, TEST_PASSWORD)).response.statusCode).toBe(401);

    await t.admin.query(`update users set locked_until = now() + interval '10 minutes' where id = $1`, [user.user.id]);
    const listed = (await t.request(admin, { method: 'GET', url: `/api/users/${user.user.id}` })).json().data;
    expect(listed.lockedUntil).toBeTruthy();
    const unlock = await t.request(admin, { method: 'POST', url: `/api/users/${user.user.id}/unlock` });
    expect(unlock.json().data.lockedUntil).toBeNull();
    expect((await t.login(user.user.email, 'Fresh-Start-Pass-77')).response.statusCode).toBe(200);
  });

  it('lists and searches users with their roles', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    await t.user({ orgId: tenant.org.id, role: 'auditor', name: 'Zed Searchable', status: 'deactivated' });
    const all = (await t.request(admin, { method: 'GET', url: '/api/users' })).json().data;
    expect(all).toHaveLength(2);
    const found = (await t.request(admin, { method: 'GET', url: '/api/users?q=searchable&status=deactivated' })).json()
      .data;
    expect(found.map((u: { name: string }) => u.name)).toEqual(['Zed Searchable']);
    expect(found[0].roles[0].roleKey).toBe('auditor');
    expect(JSON.stringify(all)).not.toMatch(/passwordHash|argon2/);
  });
});

describe('custom roles', () => {
  it('are created from tenant permissions, take effect for holders, and can be deleted once unassigned', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const create = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: {
        key: 'safety_reviewer',
        name: 'Safety reviewer',
        description: 'Reads safety dashboards',
        permissions: ['study:view:assigned', 'dashboard:view:assigned', 'audit:view:own'],
      },
    });
    expect(create.statusCode).toBe(201);
    const role = create.json().data;
    expect(role).toMatchObject({ isSystem: false, assignments: 0 });

    const user = await t.user({ orgId: tenant.org.id, role: 'safety_reviewer' });
    const session = await t.login(user.email);
    expect((await t.request(session, { method: 'GET', url: '/api/audit' })).statusCode).toBe(200);
    expect((await t.request(session, { method: 'GET', url: '/api/users' })).statusCode).toBe(403);

    const listed = (await t.request(admin, { method: 'GET', url: `/api/roles/${role.id}` })).json().data;
    expect(listed.assignments).toBe(1);

    const edit = await t.request(admin, {
      method: 'PATCH',
      url: `/api/roles/${role.id}`,
      payload: { permissions: ['study:view:assigned'] },
    });
    expect(edit.json().data.permissions).toEqual(['study:view:assigned']);
    expect((await t.request(session, { method: 'GET', url: '/api/audit' })).statusCode).toBe(403);

    const blocked = await t.request(admin, { method: 'DELETE', url: `/api/roles/${role.id}` });
    expect(blocked.json().error.message).toMatch(/still assigned 1 time/);
    await t.admin.query('delete from role_assignments where role_id = $1', [role.id]);
    expect((await t.request(admin, { method: 'DELETE', url: `/api/roles/${role.id}` })).statusCode).toBe(200);
  });

  it('may not contain platform permissions, and system roles cannot be edited', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: { key: 'sneaky', name: 'Sneaky', permissions: ['tenant:manage:all'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0]).toMatchObject({ path: 'body.permissions.0' });
    expect(res.json().error.details.issues[0].message).toMatch(/non-assignable permission "tenant:manage:all"/);
    const auditorRole = await roleId('auditor', admin);
    const edit = await t.request(admin, {
      method: 'PATCH',
      url: `/api/roles/${auditorRole}`,
      payload: { name: 'Mine now' },
    });
    expect(edit.json().error.code).toBe('INVALID_STATE');
  });

  it('lists the permission catalogue', async () => {
    const tenant = await t.tenant();
    const admin = await tenant.as('org_admin');
    const catalogue = (await t.request(admin, { method: 'GET', url: '/api/permissions' })).json().data;
    expect(catalogue).toHaveLength(31);
    expect(catalogue.find((p: { code: string }) => p.code === 'tenant:create:all').assignable).toBe(false);
    expect(catalogue.find((p: { code: string }) => p.code === 'study:view:assigned').assignable).toBe(true);
  });
});
