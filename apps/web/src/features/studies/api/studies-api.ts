import type {
  ChangeStudyStatusRequest,
  CreateStudyData,
  StudyList,
  StudyListQuery,
  StudyResource,
  UpdateStudyData,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export type StudyFilters = StudyListQuery;

/** A study with the study-scoped permission codes the user holds for it. */
export type StudyWithPermissions = StudyResource;

/** Whether the list's `meta.permissions` lets the caller create studies. */
export function canCreateStudies(list: StudyList | undefined): boolean {
  return list?.meta.permissions.includes('study:create:own') ?? false;
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
