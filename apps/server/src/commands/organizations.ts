import type { UpdateOrganizationRequest } from '@cdp/contracts';
import { organizations, type Tx } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { type AuditEntry, appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { endUserSessions } from '../auth/sessions.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { loadedTenant } from '../policies/organization.ts';
import type { OrganizationWithUsage } from '../repositories/organizations.repo.ts';
import { assignmentsByUser, listUsers, type UserWithRoles } from '../repositories/users.repo.ts';

/** Writes the event into the tenant's own trail and into the platform's. */
async function auditBoth(tx: Tx, author: Author, tenantId: string, entry: Omit<AuditEntry, 'orgId' | 'author'>) {
  for (const orgId of new Set([tenantId, author.orgId])) {
    await appendAudit(tx, { ...entry, orgId, author });
  }
}

/** An organization admin renames their own organization. */
export async function renameOwnOrganization(
  ctx: AppContext,
  author: Author,
  input: { name: string },
): Promise<OrganizationWithUsage> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await loadedTenant(tx, author.orgId, true);
    await tx
      .update(organizations)
      .set({ name: input.name, updatedAt: sql`now()` })
      .where(eq(organizations.id, author.orgId));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'organization.updated',
      resourceType: 'organization',
      resourceId: author.orgId,
      oldValues: { name: before.name },
      newValues: { name: input.name },
    });
    return loadedTenant(tx, author.orgId);
  });
}

/** The platform renames a tenant, switches its features, sets its quotas. */
export async function updateOrganization(
  ctx: AppContext,
  author: Author,
  input: UpdateOrganizationRequest & { orgId: string },
): Promise<OrganizationWithUsage> {
  return ctx.database.system(async (tx) => {
    const before = await loadedTenant(tx, input.orgId, true);
    const next = {
      name: input.name ?? before.name,
      features: { ...before.features, ...input.features },
      maxStudies: input.quotas && 'maxStudies' in input.quotas ? (input.quotas.maxStudies ?? null) : before.maxStudies,
      maxUsers: input.quotas && 'maxUsers' in input.quotas ? (input.quotas.maxUsers ?? null) : before.maxUsers,
    };
    await tx
      .update(organizations)
      .set({ ...next, updatedAt: sql`now()` })
      .where(eq(organizations.id, before.id));
    await auditBoth(tx, author, before.id, {
      action: 'organization.updated',
      resourceType: 'organization',
      resourceId: before.id,
      oldValues: {
        name: before.name,
        features: before.features,
        maxStudies: before.maxStudies,
        maxUsers: before.maxUsers,
      },
      newValues: next,
    });
    return loadedTenant(tx, before.id);
  });
}

/** Deactivating a tenant ends every open session of its users; the platform itself cannot be. */
export async function setOrganizationStatus(
  ctx: AppContext,
  author: Author,
  input: { orgId: string; status: 'active' | 'deactivated'; reason: string },
): Promise<OrganizationWithUsage> {
  const { status, reason } = input;
  return ctx.database.system(async (tx) => {
    const before = await loadedTenant(tx, input.orgId, true);
    if (before.kind === 'platform') {
      throw new AppError('INVALID_STATE', 'The platform organization cannot be deactivated.');
    }
    if (before.status === status) {
      throw new AppError('INVALID_STATE', `${before.name} is already ${status}.`);
    }
    await tx
      .update(organizations)
      .set({
        status,
        deactivatedAt: status === 'deactivated' ? sql`now()` : null,
        deactivatedReason: status === 'deactivated' ? reason : null,
        updatedAt: sql`now()`,
      })
      .where(eq(organizations.id, before.id));
    await auditBoth(tx, author, before.id, {
      action: status === 'deactivated' ? 'organization.deactivated' : 'organization.reactivated',
      resourceType: 'organization',
      resourceId: before.id,
      oldValues: { status: before.status },
      newValues: { status },
      reason,
    });
    if (status === 'deactivated') {
      const { rows } = await tx.execute<{ id: string }>(
        sql`select distinct user_id as id from sessions where org_id = ${before.id} and revoked_at is null`,
      );
      for (const { id } of rows) {
        await endUserSessions(tx, before.id, id, 'deactivated', author);
      }
    }
    return loadedTenant(tx, before.id);
  });
}

/**
 * A platform administrator reads a tenant's users: a look inside a tenant, so it is recorded in
 * that tenant's own trail, in the same transaction as the read.
 */
export async function readTenantUsers(
  ctx: AppContext,
  author: Author,
  input: { orgId: string },
): Promise<UserWithRoles[]> {
  return ctx.database.system(async (tx) => {
    const org = await loadedTenant(tx, input.orgId);
    const users = await listUsers(tx, { orgId: org.id }, { status: 'all' });
    const roles = await assignmentsByUser(
      tx,
      org.id,
      users.map((u) => u.id),
    );
    await appendAudit(tx, {
      orgId: org.id,
      author,
      action: 'platform.tenant_viewed',
      resourceType: 'organization',
      resourceId: org.id,
      newValues: { viewed: 'users' },
    });
    return users.map((row) => ({ row, roles: roles.get(row.id) ?? [] }));
  });
}
