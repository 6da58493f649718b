import { describe, expect, it } from 'vitest';
import { type Grant, hasPermission, PERMISSIONS, SYSTEM_ROLES, satisfies, TENANT_PERMISSIONS } from './permissions.ts';

/** The product seed's grants, written out literally: the code must match them exactly. */
const SEED: Record<string, string[]> = {
  org_admin: [
    'organization:manage:own',
    'study:create:own',
    'study:manage:assigned',
    'user:create:own',
    'user:manage:own',
    'dashboard:create:assigned',
    'dashboard:edit:assigned',
    'dashboard:view:assigned',
    'dashboard:delete:assigned',
    'dashboard:export:assigned',
    'pipeline:execute:assigned',
    'pipeline:configure:assigned',
    'pipeline:view:assigned',
    'data:upload:assigned',
    'data:view:assigned',
    'data:export:assigned',
    'data:delete:assigned',
    'data:view_phi:assigned',
    'review:perform:assigned',
    'audit:view:own',
    'api:create_key:own',
    'api:manage_key:own',
  ],
  study_manager: [
    'study:manage:assigned',
    'study:view:assigned',
    'pipeline:execute:assigned',
    'pipeline:configure:assigned',
    'pipeline:view:assigned',
    'dashboard:create:assigned',
    'dashboard:edit:assigned',
    'dashboard:view:assigned',
    'dashboard:delete:assigned',
    'dashboard:export:assigned',
    'data:upload:assigned',
    'data:view:assigned',
    'data:export:assigned',
    'data:delete:assigned',
    'data:view_phi:assigned',
    'review:perform:assigned',
    'user:view:own',
  ],
  data_scientist: [
    'study:view:assigned',
    'dashboard:create:assigned',
    'dashboard:edit:assigned',
    'dashboard:view:assigned',
    'dashboard:export:assigned',
    'data:view:assigned',
    'data:export:assigned',
    'pipeline:view:assigned',
  ],
  clinical_monitor: [
    'study:view:assigned',
    'dashboard:view:assigned',
    'dashboard:export:assigned',
    'data:export:assigned',
    'review:perform:assigned',
  ],
  auditor: ['study:view:assigned', 'dashboard:view:assigned', 'audit:view:own', 'audit:export:own'],
};

describe('system roles', () => {
  it('has exactly the 31 permission codes of the seed (30, plus review:perform:assigned of issue 19)', () => {
    expect(PERMISSIONS).toHaveLength(31);
    expect(new Set(PERMISSIONS).size).toBe(31);
  });

  it.each(Object.entries(SEED))('%s holds exactly the seed grants', (key, grants) => {
    const role = SYSTEM_ROLES[key as keyof typeof SYSTEM_ROLES];
    expect([...role.permissions].sort()).toEqual([...grants].sort());
  });

  it('platform_admin holds everything; tenants can never grant platform or tenant permissions', () => {
    expect([...SYSTEM_ROLES.platform_admin.permissions].sort()).toEqual([...PERMISSIONS].sort());
    expect(TENANT_PERMISSIONS.some((p) => p.startsWith('platform:') || p.startsWith('tenant:'))).toBe(false);
    expect(TENANT_PERMISSIONS).toHaveLength(27);
  });
});

describe('satisfies', () => {
  it.each([
    ['study:view:assigned', 'study:view:assigned', true],
    ['study:manage:assigned', 'study:view:assigned', true],
    ['study:view:assigned', 'study:manage:assigned', false],
    ['user:manage:own', 'user:view:own', true],
    ['study:view:all', 'study:view:assigned', true],
    ['study:view:all', 'study:view:own', true],
    ['study:view:own', 'study:view:assigned', false],
    ['data:view:assigned', 'study:view:assigned', false],
    ['dashboard:edit:assigned', 'dashboard:view:assigned', false],
  ])('%s satisfies %s: %s', (held, required, expected) => {
    expect(satisfies(held, required)).toBe(expected);
  });
});

describe('hasPermission', () => {
  const orgWide: Grant = { roleKey: 'a', studyId: null, permissions: ['study:view:assigned', 'user:view:own'] };
  const onStudy: Grant = { roleKey: 'b', studyId: 'S1', permissions: ['study:manage:assigned', 'user:manage:own'] };

  it.each<[string, Grant[], Parameters<typeof hasPermission>[1], string | undefined, boolean]>([
    ['org-wide grant, any study', [orgWide], 'study:view:assigned', 'S9', true],
    ['study grant, that study', [onStudy], 'study:manage:assigned', 'S1', true],
    ['study grant, another study', [onStudy], 'study:manage:assigned', 'S2', false],
    ['study grant, no study named yet (route pre-check)', [onStudy], 'study:manage:assigned', undefined, true],
    ['study grant never reaches organization-level actions', [onStudy], 'user:manage:own', undefined, false],
    ['org-wide own-scope', [orgWide], 'user:view:own', undefined, true],
    ['nothing held', [], 'study:view:assigned', undefined, false],
  ])('%s', (_name, grants, permission, studyId, expected) => {
    expect(hasPermission(grants, permission, studyId)).toBe(expected);
  });
});
