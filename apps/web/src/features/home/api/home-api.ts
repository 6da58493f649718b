import type { HomeResponse } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const homeQuery = queryOptions({
  queryKey: ['home'] as const,
  queryFn: ({ signal }) => api<HomeResponse>('/api/home', { signal }),
});
