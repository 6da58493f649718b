import type {
  CreateRoleAssignmentRequest,
  CreateUserRequest,
  RoleAssignmentList,
  User,
  UserList,
  UserListQuery,
  UserResource,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export type UserFilters = UserListQuery;
export type UserStatusFilter = NonNullable<UserListQuery['status']>;

export type UserWithPermissions = UserResource;

export const userKeys = {
  all: ['users'] as const,
  list: (filters: UserFilters) => ['users', 'list', filters] as const,
  detail: (id: string) => ['users', 'detail', id] as const,
};

export const usersQuery = (filters: UserFilters) =>
  queryOptions({
    queryKey: userKeys.list(filters),
    queryFn: ({ signal }) =>
      api<UserList>('/api/users', { query: { status: filters.status ?? 'all', q: filters.q }, signal }),
    placeholderData: keepPreviousData,
  });

export const userQuery = (id: string) =>
  queryOptions({
    queryKey: userKeys.detail(id),
    queryFn: ({ signal }) => api<UserWithPermissions>(`/api/users/${id}`, { signal }),
  });

export function createUser(body: CreateUserRequest) {
  return api<UserWithPermissions>('/api/users', { method: 'POST', body });
}

export function renameUser(id: string, name: string) {
  return api<UserWithPermissions>(`/api/users/${id}`, { method: 'PATCH', body: { name } });
}

export function deactivateUser(id: string, reason: string) {
  return api<UserWithPermissions>(`/api/users/${id}/deactivate`, { method: 'POST', body: { reason } });
}

export function reactivateUser(id: string, reason: string) {
  return api<UserWithPermissions>(`/api/users/${id}/reactivate`, { method: 'POST', body: { reason } });
}

export function resetPassword(id: string, temporaryPassword: string) {
  return api<UserWithPermissions>(`/api/users/${id}/reset-password`, { method: 'POST', body: { temporaryPassword } });
}

export function unlockUser(id: string) {
  return api<UserWithPermissions>(`/api/users/${id}/unlock`, { method: 'POST' });
}

export function assignRole(id: string, body: CreateRoleAssignmentRequest) {
  return api<RoleAssignmentList>(`/api/users/${id}/roles`, { method: 'POST', body });
}

export function revokeRole(id: string, assignmentId: string, reason: string) {
  return api<RoleAssignmentList>(`/api/users/${id}/roles/${assignmentId}`, {
    method: 'DELETE',
    query: { reason },
  });
}

/** A user is locked while `lockedUntil` is in the future. */
export function isLocked(user: User, now = Date.now()): boolean {
  return user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now;
}
