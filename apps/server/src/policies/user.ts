import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { TenantScope } from '../repositories/studies.repo.ts';
import { findUser, type UserRow, type UserWithRoles, withRoles } from '../repositories/users.repo.ts';
import { type Grantee, heldOf } from './can.ts';

/**
 * Users are an organization's own: whoever holds `user:view:own` sees them all (the route's
 * preHandler checks that), and a user of another organization does not exist (404).
 */
export async function userFor(ctx: AppContext, actor: Actor, userId: string): Promise<UserWithRoles> {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const user = await findUser(tx, actor, userId);
    if (!user) throw notFound('User');
    return withRoles(tx, actor.orgId, user);
  });
}

/** Inside a command's transaction: the user locked FOR UPDATE, or 404. */
export async function lockedUserFor(tx: Tx, scope: TenantScope, userId: string): Promise<UserRow> {
  const user = await findUser(tx, scope, userId, { forUpdate: true });
  if (!user) throw notFound('User');
  return user;
}

/** What the caller may do with users, for the `permissions` beside one. */
export function userPermissions(who: Grantee): string[] {
  return heldOf(who, ['user:manage:own', 'user:create:own']);
}
