import type { Permission } from '@cdp/contracts';

/**
 * Whether e-mailed reports may leave the organization is one of its settings: administrators
 * (`organization:manage:own`) read and change it.
 */
export const ORGANIZATION_SETTINGS_PERMISSION = 'organization:manage:own' as const satisfies Permission;
