import type {
  CreateRoleRequest,
  Ok,
  PermissionCatalogue,
  RoleList,
  RoleResource,
  UpdateRoleRequest,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export type { PermissionInfo } from '@cdp/contracts';

export const roleKeys = {
  all: ['roles'] as const,
  permissions: ['permissions'] as const,
};

export const rolesQuery = queryOptions({
  queryKey: roleKeys.all,
  queryFn: ({ signal }) => api<RoleList>('/api/roles', { signal }),
  staleTime: 60_000,
});

export const permissionsQuery = queryOptions({
  queryKey: roleKeys.permissions,
  queryFn: ({ signal }) => api<PermissionCatalogue>('/api/permissions', { signal }),
  staleTime: Number.POSITIVE_INFINITY,
});

export function createRole(body: CreateRoleRequest) {
  return api<RoleResource>('/api/roles', { method: 'POST', body });
}

export function updateRole(id: string, body: UpdateRoleRequest) {
  return api<RoleResource>(`/api/roles/${id}`, { method: 'PATCH', body });
}

export function deleteRole(id: string) {
  return api<Ok>(`/api/roles/${id}`, { method: 'DELETE' });
}
