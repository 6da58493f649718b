import { effectiveFeatures, type Organization } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { organizationPermissions, platformPermissions } from '../policies/organization.ts';
import type { OrganizationWithUsage } from '../repositories/organizations.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function presentOrganization(row: OrganizationWithUsage): Organization {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    status: row.status,
    features: effectiveFeatures(row.features),
    quotas: { maxStudies: row.maxStudies, maxUsers: row.maxUsers },
    usage: { studies: row.usageStudies, users: row.usageUsers },
    deactivatedReason: row.deactivatedReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Your own organization, with what you may do with it. */
export function ownOrganizationResource(actor: Actor, row: OrganizationWithUsage): Resource<Organization> {
  return resource(presentOrganization(row), organizationPermissions(actor));
}

/** An organization as the platform console shows it. */
export function tenantResource(actor: Actor, row: OrganizationWithUsage): Resource<Organization> {
  return resource(presentOrganization(row), platformPermissions(actor));
}
