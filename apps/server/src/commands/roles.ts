import type { CreateRoleRequest, UpdateRoleRequest } from '@cdp/contracts';
import { roles } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { AppError, isUniqueViolation } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedCustomRoleFor } from '../policies/role.ts';
import { countAssignments, listRoles, type RoleWithUsage } from '../repositories/roles.repo.ts';

/** A custom role from the tenant permissions (the request schema allows no others). */
export async function createRole(ctx: AppContext, author: Author, input: CreateRoleRequest): Promise<RoleWithUsage> {
  try {
    return await ctx.database.tenant(author.orgId, async (tx) => {
      const [row] = await tx
        .insert(roles)
        .values({
          orgId: author.orgId,
          key: input.key,
          name: input.name,
          description: input.description,
          permissions: [...new Set(input.permissions)],
        })
        .returning();
      if (!row) throw new Error('role insert returned nothing');
      await appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'role.created',
        resourceType: 'role',
        resourceId: row.id,
        newValues: { key: row.key, name: row.name, permissions: row.permissions },
      });
      const [loaded] = await listRoles(tx, author, row.id);
      if (!loaded) throw new Error('created role not found');
      return loaded;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'roles_org_key')) {
      throw new AppError('CONFLICT', `A role with key ${input.key} already exists.`, {
        issues: [{ path: 'body.key', message: 'This key is already used.' }],
      });
    }
    throw error;
  }
}

/** Changes a custom role; it takes effect on each holder's next request. */
export async function updateRole(
  ctx: AppContext,
  author: Author,
  input: UpdateRoleRequest & { roleId: string },
): Promise<RoleWithUsage> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedCustomRoleFor(tx, author, input.roleId);
    const changes = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.permissions !== undefined ? { permissions: [...new Set(input.permissions)] } : {}),
    };
    await tx
      .update(roles)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(roles.id, before.id));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'role.updated',
      resourceType: 'role',
      resourceId: before.id,
      oldValues: Object.fromEntries(Object.keys(changes).map((k) => [k, before[k as keyof typeof before]])),
      newValues: changes,
    });
    const [loaded] = await listRoles(tx, author, before.id);
    if (!loaded) throw new Error('updated role not found');
    return loaded;
  });
}

/** Deletes a custom role that nobody holds. */
export async function deleteRole(ctx: AppContext, author: Author, input: { roleId: string }): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const role = await lockedCustomRoleFor(tx, author, input.roleId);
    const count = await countAssignments(tx, role.id);
    if (count > 0) {
      throw new AppError(
        'INVALID_STATE',
        `${role.name} is still assigned ${count} time${count === 1 ? '' : 's'}; revoke those assignments first.`,
      );
    }
    await tx.delete(roles).where(eq(roles.id, role.id));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'role.deleted',
      resourceType: 'role',
      resourceId: role.id,
      oldValues: { key: role.key, name: role.name, permissions: role.permissions },
    });
  });
}
