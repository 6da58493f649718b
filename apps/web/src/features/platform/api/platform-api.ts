import type {
  CreateOrganizationRequest,
  OrganizationList,
  OrganizationResource,
  UpdateOrganizationRequest,
  UserList,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export type OrganizationWithPermissions = OrganizationResource;

export const platformKeys = {
  all: ['platform', 'organizations'] as const,
  detail: (id: string) => ['platform', 'organizations', id] as const,
  users: (id: string) => ['platform', 'organizations', id, 'users'] as const,
};

export const organizationsQuery = queryOptions({
  queryKey: platformKeys.all,
  queryFn: ({ signal }) => api<OrganizationList>('/api/platform/organizations', { signal }),
});

export const platformOrganizationQuery = (id: string) =>
  queryOptions({
    queryKey: platformKeys.detail(id),
    queryFn: ({ signal }) => api<OrganizationWithPermissions>(`/api/platform/organizations/${id}`, { signal }),
  });

/** Reading a tenant's users is recorded in that tenant's audit trail, so it is only fetched on request. */
export const organizationUsersQuery = (id: string) =>
  queryOptions({
    queryKey: platformKeys.users(id),
    queryFn: ({ signal }) => api<UserList>(`/api/platform/organizations/${id}/users`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });

export function createOrganization(body: CreateOrganizationRequest) {
  return api<OrganizationWithPermissions>('/api/platform/organizations', { method: 'POST', body });
}

export function updateOrganization(id: string, body: UpdateOrganizationRequest) {
  return api<OrganizationWithPermissions>(`/api/platform/organizations/${id}`, { method: 'PATCH', body });
}

export function setOrganizationActive(id: string, active: boolean, reason: string) {
  return api<OrganizationWithPermissions>(`/api/platform/organizations/${id}/${active ? 'reactivate' : 'deactivate'}`, {
    method: 'POST',
    body: { reason },
  });
}
