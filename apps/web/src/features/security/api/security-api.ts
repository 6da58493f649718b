import type { PlatformSecurityEvent, SecurityEvent, SecurityEventKind } from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

/** A page of the log: `{ data, page }` like every paged list. */
export interface SecurityPage<T> {
  data: T[];
  page: { number: number; size: number; total: number };
}

/** The organization's own log, or (for the platform) every organization's. */
export const securityEventsQuery = (
  scope: 'organization' | 'platform',
  kind: SecurityEventKind | undefined,
  page = 1,
  pageSize = 50,
) =>
  queryOptions({
    queryKey: ['security-events', scope, kind ?? null, page, pageSize] as const,
    queryFn: ({ signal }) =>
      api<SecurityPage<SecurityEvent | PlatformSecurityEvent>>(
        scope === 'platform' ? '/api/platform/security-events' : '/api/security-events',
        { query: { kind, page, pageSize }, signal },
      ),
    placeholderData: keepPreviousData,
  });
