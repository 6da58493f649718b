import type { AuditPage, AuditVerifyResponse } from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, downloadFile } from '../../../lib/api-client.ts';

export interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
}

export const auditKeys = {
  all: ['audit'] as const,
  search: (filters: AuditFilters, page: number, pageSize: number) =>
    ['audit', 'search', filters, page, pageSize] as const,
  verify: ['audit', 'verify'] as const,
};

export const auditQuery = (filters: AuditFilters, page = 1, pageSize = 50) =>
  queryOptions({
    queryKey: auditKeys.search(filters, page, pageSize),
    queryFn: ({ signal }) => api<AuditPage>('/api/audit', { query: { ...filters, page, pageSize }, signal }),
    placeholderData: keepPreviousData,
  });

export const auditVerifyQuery = queryOptions({
  queryKey: auditKeys.verify,
  queryFn: ({ signal }) => api<AuditVerifyResponse>('/api/audit/verify', { signal }),
  staleTime: 60_000,
});

export function exportAudit(filters: AuditFilters) {
  return downloadFile('/api/audit/export', { ...filters }, 'audit-trail.csv');
}
