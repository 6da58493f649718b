import type { Role } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { rolePermissions } from '../policies/role.ts';
import type { RoleWithUsage } from '../repositories/roles.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function presentRole(row: RoleWithUsage): Role {
  const { orgId: _orgId, ...role } = row;
  return role;
}

export function roleResource(actor: Actor, row: RoleWithUsage): Resource<Role> {
  return resource(presentRole(row), rolePermissions(actor, row));
}
