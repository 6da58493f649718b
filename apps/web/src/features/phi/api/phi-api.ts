import type {
  PhiAccessList,
  PhiAccessReport,
  PhiClass,
  PhiClassificationList,
  PhiSuggestionList,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api, apiResponse, downloadFile } from '../../../lib/api-client.ts';

export const phiKeys = {
  study: (studyId: string) => ['phi', studyId] as const,
  access: ['phi-access'] as const,
};

export const phiColumnsQuery = (studyId: string) =>
  queryOptions({
    queryKey: [...phiKeys.study(studyId), 'columns'],
    queryFn: ({ signal }) => api<PhiClassificationList>(`/api/studies/${studyId}/phi-columns`, { signal }),
  });

export const phiSuggestionsQuery = (studyId: string, verbatims: boolean) =>
  queryOptions({
    queryKey: [...phiKeys.study(studyId), 'suggestions', verbatims],
    queryFn: ({ signal }) =>
      api<PhiSuggestionList>(`/api/studies/${studyId}/phi-columns/suggestions`, {
        signal,
        query: { verbatims: verbatims ? 'true' : undefined },
      }),
  });

export function classifyColumn(studyId: string, body: { dataset: string; column: string; classification: PhiClass }) {
  return api(`/api/studies/${studyId}/phi-columns`, { method: 'PUT', body });
}

export async function clearColumn(studyId: string, dataset: string, column: string): Promise<void> {
  await apiResponse(
    `/api/studies/${studyId}/phi-columns/${encodeURIComponent(dataset)}/${encodeURIComponent(column)}`,
    { method: 'DELETE' },
  );
}

export interface PhiAccessFilter {
  from?: string;
  to?: string;
  dataset?: string;
  offset: number;
}

export const phiAccessQuery = (filter: PhiAccessFilter) =>
  queryOptions({
    queryKey: [...phiKeys.access, 'list', filter],
    queryFn: ({ signal }) => api<PhiAccessList>('/api/phi-access', { signal, query: { ...filter, limit: 50 } }),
  });

export const phiReportQuery = (filter: Omit<PhiAccessFilter, 'offset'>) =>
  queryOptions({
    queryKey: [...phiKeys.access, 'report', filter],
    queryFn: ({ signal }) => api<PhiAccessReport>('/api/phi-access/report', { signal, query: filter }),
  });

export function exportPhiAccess(filter: Omit<PhiAccessFilter, 'offset'>) {
  return downloadFile('/api/phi-access/export', filter, 'phi-access.csv');
}
