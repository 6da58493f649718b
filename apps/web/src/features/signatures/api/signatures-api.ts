import type {
  ComplianceSettingsDto,
  CreateSignatureRequest,
  SignatureDto,
  SignatureVerification,
  UpdateComplianceSettingsRequest,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const signatureKeys = {
  all: ['signatures'] as const,
  of: (resource: string) => ['signatures', 'of', resource] as const,
  verify: (id: string) => ['signatures', 'verify', id] as const,
  status: ['signatures', 'status'] as const,
  compliance: ['compliance'] as const,
};

export const signaturesQuery = (resource: string) =>
  queryOptions({
    queryKey: signatureKeys.of(resource),
    queryFn: ({ signal }) =>
      api<{ data: SignatureDto[] }>(`/api/signatures?resource=${encodeURIComponent(resource)}`, { signal }),
  });

export const verificationQuery = (id: string) =>
  queryOptions({
    queryKey: signatureKeys.verify(id),
    queryFn: ({ signal }) => api<SignatureVerification>(`/api/signatures/${id}/verify`, { signal }),
  });

export const signingStatusQuery = queryOptions({
  queryKey: signatureKeys.status,
  queryFn: ({ signal }) =>
    api<{ data: { needsEmail: boolean; needsTotp: boolean; meanings: string[] } }>('/api/signatures/status', {
      signal,
    }),
  staleTime: 0,
});

export function createSignature(body: CreateSignatureRequest): Promise<{ data: SignatureDto }> {
  return api<{ data: SignatureDto }>('/api/signatures', { method: 'POST', body });
}

export const complianceQuery = queryOptions({
  queryKey: signatureKeys.compliance,
  queryFn: ({ signal }) => api<{ data: ComplianceSettingsDto }>('/api/organization/compliance', { signal }),
});

export function updateCompliance(body: UpdateComplianceSettingsRequest): Promise<{ data: ComplianceSettingsDto }> {
  return api<{ data: ComplianceSettingsDto }>('/api/organization/compliance', { method: 'PATCH', body });
}
