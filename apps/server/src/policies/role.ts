import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { listRoles, lockRole, type RoleRow, type RoleWithUsage } from '../repositories/roles.repo.ts';
import { can, type Grantee } from './can.ts';

/** A role the actor's organization can see: system roles (not platform_admin for tenants) and its own. */
export async function roleFor(ctx: AppContext, actor: Actor, roleId: string): Promise<RoleWithUsage> {
  const [row] = await ctx.database.tenant(actor.orgId, (tx) => listRoles(tx, actor, roleId));
  if (!row) throw notFound('Role');
  return row;
}

/** Inside a command's transaction: a custom role of the author's organization, locked; system roles are read-only. */
export async function lockedCustomRoleFor(tx: Tx, author: Author, roleId: string): Promise<RoleRow> {
  const row = await lockRole(tx, author.orgId, roleId);
  if (!row || (row.key === 'platform_admin' && author.orgKind !== 'platform')) throw notFound('Role');
  if (row.isSystem) throw new AppError('INVALID_STATE', `${row.name} is a system role and cannot be changed.`);
  return row;
}

/** Custom roles can be changed by whoever manages the organization; system roles by nobody. */
export function rolePermissions(who: Grantee, role: { isSystem: boolean }): string[] {
  return !role.isSystem && can(who, 'organization:manage:own') ? ['organization:manage:own'] : [];
}
