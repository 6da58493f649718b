import type { CreateRoleRequest, Role, UpdateRoleRequest } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export interface PermissionInfo {
  code: string;
  label: string;
  assignable: boolean;
}

export const roleKeys = {
  all: ['roles'] as const,
  permissions: ['permissions'] as const,
};

export const rolesQuery = queryOptions({
  queryKey: roleKeys.all,
  queryFn: ({ signal }) => api<{ data: Role[] }>('/api/roles', { signal }),
  staleTime: 60_000,
});

export const permissionsQuery = queryOptions({
  queryKey: roleKeys.permissions,
  queryFn: ({ signal }) => api<{ data: PermissionInfo[] }>('/api/permissions', { signal }),
  staleTime: Number.POSITIVE_INFINITY,
});

export function createRole(body: CreateRoleRequest) {
  return api<{ data: Role }>('/api/roles', { method: 'POST', body });
}

export function updateRole(id: string, body: UpdateRoleRequest) {
  return api<{ data: Role }>(`/api/roles/${id}`, { method: 'PATCH', body });
}

export function deleteRole(id: string) {
  return api<{ ok: true }>(`/api/roles/${id}`, { method: 'DELETE' });
}
