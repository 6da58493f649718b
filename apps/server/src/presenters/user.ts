import type { User } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { userPermissions } from '../policies/user.ts';
import type { UserRow, UserWithRoles } from '../repositories/users.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function presentUser(row: UserRow, roleList: User['roles']): User {
  const locked = row.lockedUntil && row.lockedUntil.getTime() > Date.now() ? row.lockedUntil : null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    mustChangePassword: row.mustChangePassword,
    lockedUntil: locked?.toISOString() ?? null,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    deactivatedReason: row.deactivatedReason,
    createdAt: row.createdAt.toISOString(),
    roles: roleList,
  };
}

/** Audit-safe view of a user: never the password hash. */
export function auditableUser(row: UserRow) {
  return { id: row.id, email: row.email, name: row.name, status: row.status };
}

export function userResource(actor: Actor, user: UserWithRoles): Resource<User> {
  return resource(presentUser(user.row, user.roles), userPermissions(actor));
}
