import type { ApiKeyList, ApiKeyResponse, CreateApiKeyRequest, CreatedApiKeyResponse } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const apiKeyKeys = { all: ['api-keys'] as const };

export const apiKeysQuery = queryOptions({
  queryKey: apiKeyKeys.all,
  queryFn: ({ signal }) => api<ApiKeyList>('/api/api-keys', { signal }),
});

export function createApiKey(body: CreateApiKeyRequest) {
  return api<CreatedApiKeyResponse>('/api/api-keys', { method: 'POST', body });
}

export function revokeApiKey(id: string, reason: string) {
  return api<ApiKeyResponse>(`/api/api-keys/${id}/revoke`, { method: 'POST', body: { reason } });
}
