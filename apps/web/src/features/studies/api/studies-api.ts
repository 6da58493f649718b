import type { ChangeStudyStatusRequest, CreateStudyData, Study, StudyStatus, UpdateStudyData } from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export interface StudyFilters {
  q?: string;
  status?: StudyStatus;
}

export interface StudyList {
  data: Study[];
  canCreate: boolean;
}

export interface StudyWithPermissions {
  data: Study;
  /** Study-scoped permission codes the user holds for this study. */
  permissions: string[];
}

export const studyKeys = {
  all: ['studies'] as const,
  list: (filters: StudyFilters) => ['studies', 'list', filters] as const,
  detail: (id: string) => ['studies', 'detail', id] as const,
};

export const studiesQuery = (filters: StudyFilters = {}) =>
  queryOptions({
    queryKey: studyKeys.list(filters),
    queryFn: ({ signal }) => api<StudyList>('/api/studies', { query: { ...filters }, signal }),
    placeholderData: keepPreviousData,
  });

export const studyQuery = (id: string) =>
  queryOptions({
    queryKey: studyKeys.detail(id),
    queryFn: ({ signal }) => api<StudyWithPermissions>(`/api/studies/${id}`, { signal }),
  });

export function createStudy(body: CreateStudyData) {
  return api<StudyWithPermissions>('/api/studies', { method: 'POST', body });
}

export function updateStudy(id: string, body: UpdateStudyData) {
  return api<StudyWithPermissions>(`/api/studies/${id}`, { method: 'PATCH', body });
}

export function changeStudyStatus(id: string, body: ChangeStudyStatusRequest) {
  return api<StudyWithPermissions>(`/api/studies/${id}/status`, { method: 'POST', body });
}
