import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { findOrganization, type OrganizationWithUsage } from '../repositories/organizations.repo.ts';
import { type Grantee, heldOf } from './can.ts';

/** The actor's own organization (the only one a tenant user can reach). */
export async function ownOrganization(ctx: AppContext, actor: Actor): Promise<OrganizationWithUsage> {
  const org = await ctx.database.tenant(actor.orgId, (tx) => findOrganization(tx, actor.orgId));
  if (!org) throw notFound('Organization');
  return org;
}

/**
 * Any organization, for the platform console: the routes require `tenant:*:all`, which only the
 * platform administrator role holds, and the read runs in a system transaction.
 */
export async function tenantFor(ctx: AppContext, orgId: string): Promise<OrganizationWithUsage> {
  return ctx.database.system((tx) => loadedTenant(tx, orgId));
}

/** Inside a transaction (a command's, optionally locked FOR UPDATE): the organization, or 404. */
export async function loadedTenant(tx: Tx, orgId: string, forUpdate = false): Promise<OrganizationWithUsage> {
  const org = await findOrganization(tx, orgId, { forUpdate });
  if (!org) throw notFound('Organization');
  return org;
}

/** What the actor may do with their own organization. */
export function organizationPermissions(who: Grantee): string[] {
  return heldOf(who, ['organization:manage:own']);
}

/** What the platform administrator may do with tenants. */
export function platformPermissions(who: Grantee): string[] {
  return heldOf(who, ['tenant:manage:all', 'tenant:create:all']);
}
