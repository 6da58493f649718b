/**
 * Permission codes are `resource:action:scope`, exactly as the product seed defines them.
 *
 * Scopes: `all` (the whole platform), `own` (the actor's organization), `assigned` (studies the actor
 * holds a role for, or every study of the organization when the role is held organization-wide).
 * A held `all` satisfies a required `own` or `assigned`; a held `manage` satisfies a required `view`
 * of the same resource (someone who may manage studies may look at them).
 */
export const PERMISSIONS = [
  'platform:manage:all',
  'tenant:create:all',
  'tenant:manage:all',
  'tenant:view:all',
  'organization:manage:own',
  'organization:view:own',
  'study:create:own',
  'study:manage:assigned',
  'study:view:assigned',
  'study:delete:assigned',
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
  'user:create:own',
  'user:manage:own',
  'user:view:own',
  'audit:view:own',
  'audit:export:own',
  'api:create_key:own',
  'api:manage_key:own',
] as const;

export type Permission = (typeof PERMISSIONS)[number];
export type PermissionScope = 'all' | 'own' | 'assigned';

/** Human descriptions shown in the roles screen. */
export const PERMISSION_LABELS: Record<Permission, string> = {
  'platform:manage:all': 'Operate the platform',
  'tenant:create:all': 'Create organizations',
  'tenant:manage:all': 'Manage organizations, features and quotas',
  'tenant:view:all': 'View all organizations',
  'organization:manage:own': 'Manage organization settings and roles',
  'organization:view:own': 'View organization settings',
  'study:create:own': 'Create studies',
  'study:manage:assigned': 'Edit, lock and archive studies',
  'study:view:assigned': 'View studies',
  'study:delete:assigned': 'Delete studies',
  'pipeline:execute:assigned': 'Run pipelines',
  'pipeline:configure:assigned': 'Configure pipelines',
  'pipeline:view:assigned': 'View pipelines and runs',
  'dashboard:create:assigned': 'Create dashboards',
  'dashboard:edit:assigned': 'Edit dashboards',
  'dashboard:view:assigned': 'View dashboards',
  'dashboard:delete:assigned': 'Delete dashboards',
  'dashboard:export:assigned': 'Export dashboards',
  'data:upload:assigned': 'Upload data',
  'data:view:assigned': 'View data',
  'data:export:assigned': 'Export data',
  'data:delete:assigned': 'Delete data',
  'data:view_phi:assigned': 'See protected health information (PHI) in clear',
  'review:perform:assigned': 'Mark records reviewed and answer review queries',
  'user:create:own': 'Create users',
  'user:manage:own': 'Manage users and role assignments',
  'user:view:own': 'View users',
  'audit:view:own': 'View the audit trail',
  'audit:export:own': 'Export the audit trail',
  'api:create_key:own': 'Create API keys',
  'api:manage_key:own': 'Manage API keys',
};

/** Permissions an organization may put into a custom role: nothing that reaches across tenants. */
export const TENANT_PERMISSIONS: readonly Permission[] = PERMISSIONS.filter(
  (p) => !p.startsWith('platform:') && !p.startsWith('tenant:'),
);

const ALL_ASSIGNED = (resource: string): Permission[] => PERMISSIONS.filter((p) => p.startsWith(`${resource}:`));

export const SYSTEM_ROLE_KEYS = [
  'platform_admin',
  'org_admin',
  'study_manager',
  'data_scientist',
  'clinical_monitor',
  'auditor',
] as const;
export type SystemRoleKey = (typeof SYSTEM_ROLE_KEYS)[number];

export interface SystemRoleDefinition {
  key: SystemRoleKey;
  name: string;
  description: string;
  permissions: readonly Permission[];
}

export const SYSTEM_ROLES: Record<SystemRoleKey, SystemRoleDefinition> = {
  platform_admin: {
    key: 'platform_admin',
    name: 'Platform administrator',
    description: 'Runs the SaaS: organizations, features, quotas. Holds every permission.',
    permissions: PERMISSIONS,
  },
  org_admin: {
    key: 'org_admin',
    name: 'Organization administrator',
    description: 'Manages the organization: users, roles, studies, data, pipelines and dashboards.',
    permissions: [
      'organization:manage:own',
      'study:create:own',
      'study:manage:assigned',
      'user:create:own',
      'user:manage:own',
      ...ALL_ASSIGNED('dashboard'),
      ...ALL_ASSIGNED('pipeline'),
      ...ALL_ASSIGNED('data'),
      'review:perform:assigned',
      'audit:view:own',
      'api:create_key:own',
      'api:manage_key:own',
    ],
  },
  study_manager: {
    key: 'study_manager',
    name: 'Study manager',
    description: 'Runs studies: data loads, pipelines and dashboards.',
    permissions: [
      'study:manage:assigned',
      'study:view:assigned',
      ...ALL_ASSIGNED('pipeline'),
      ...ALL_ASSIGNED('dashboard'),
      ...ALL_ASSIGNED('data'),
      'review:perform:assigned',
      'user:view:own',
    ],
  },
  data_scientist: {
    key: 'data_scientist',
    name: 'Data scientist',
    description: 'Explores data and builds dashboards.',
    permissions: [
      'study:view:assigned',
      'dashboard:create:assigned',
      'dashboard:edit:assigned',
      'dashboard:view:assigned',
      'dashboard:export:assigned',
      'data:view:assigned',
      'data:export:assigned',
      'pipeline:view:assigned',
    ],
  },
  clinical_monitor: {
    key: 'clinical_monitor',
    name: 'Clinical monitor',
    description: 'Reviews dashboards and exports for assigned studies.',
    permissions: [
      'study:view:assigned',
      'dashboard:view:assigned',
      'dashboard:export:assigned',
      'data:export:assigned',
      'review:perform:assigned',
    ],
  },
  auditor: {
    key: 'auditor',
    name: 'Auditor',
    description: 'Reads studies, dashboards and the audit trail.',
    permissions: ['study:view:assigned', 'dashboard:view:assigned', 'audit:view:own', 'audit:export:own'],
  },
};

export function permissionScope(code: string): PermissionScope {
  return code.split(':')[2] as PermissionScope;
}

/** Does holding `held` satisfy a check for `required`? */
export function satisfies(held: string, required: string): boolean {
  const [heldResource, heldAction, heldScope] = held.split(':');
  const [reqResource, reqAction, reqScope] = required.split(':');
  if (heldResource !== reqResource) return false;
  const actionOk = heldAction === reqAction || (heldAction === 'manage' && reqAction === 'view');
  if (!actionOk) return false;
  return heldScope === reqScope || heldScope === 'all';
}

/**
 * One role held by the actor. `studyId === null` means organization-wide.
 * Expired grants never reach this shape: the server drops them when it builds the actor.
 */
export interface Grant {
  roleKey: string;
  studyId: string | null;
  permissions: readonly string[];
}

/**
 * Whether the grants allow `required`.
 * - `studyId` given: an organization-wide grant or a grant on that very study counts.
 * - `studyId` omitted, scope `assigned`: any grant counts (the study check follows on the resource).
 * - scope `own` / `all`: only organization-wide grants count; a role limited to one study
 *   never reaches organization-level actions.
 */
export function hasPermission(grants: readonly Grant[], required: Permission, studyId?: string): boolean {
  const scope = permissionScope(required);
  return grants.some((grant) => {
    if (grant.studyId !== null) {
      if (scope !== 'assigned') return false;
      if (studyId !== undefined && grant.studyId !== studyId) return false;
    }
    return grant.permissions.some((held) => satisfies(held, required));
  });
}
