import type { OrganizationResource } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export type OrganizationWithPermissions = OrganizationResource;

export const organizationQuery = queryOptions({
  queryKey: ['organization'],
  queryFn: ({ signal }) => api<OrganizationWithPermissions>('/api/organization', { signal }),
});

export function renameOrganization(name: string) {
  return api<OrganizationWithPermissions>('/api/organization', { method: 'PATCH', body: { name } });
}
