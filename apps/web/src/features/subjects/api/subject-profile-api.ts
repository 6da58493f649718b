import type { DatasetRows, SubjectProfileResponse } from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const subjectKeys = {
  profile: (studyId: string, subjectId: string) => ['subjects', studyId, subjectId, 'profile'] as const,
  rows: (studyId: string, versionId: string, subjectId: string, dataset: string, page: number) =>
    ['subjects', studyId, subjectId, 'rows', versionId, dataset, page] as const,
};

/** A subject's profile, read from the study's active data version. */
export const subjectProfileQuery = (studyId: string, subjectId: string) =>
  queryOptions({
    queryKey: subjectKeys.profile(studyId, subjectId),
    queryFn: ({ signal }) =>
      api<SubjectProfileResponse>(`/api/studies/${studyId}/subjects/${encodeURIComponent(subjectId)}/profile`, {
        signal,
      }),
    staleTime: 60_000,
  });

/**
 * A page of one dataset's rows for the subject: the dataset viewer's rows API, filtered on the
 * subject column, under the version the profile was read from (a version never changes).
 */
export const subjectRowsQuery = (
  studyId: string,
  versionId: string,
  subjectId: string,
  dataset: { name: string; subjectColumn: string },
  page: number,
  pageSize: number,
) =>
  queryOptions({
    queryKey: subjectKeys.rows(studyId, versionId, subjectId, dataset.name, page),
    queryFn: ({ signal }) =>
      api<DatasetRows>(
        `/api/studies/${studyId}/versions/${versionId}/datasets/${encodeURIComponent(dataset.name)}/rows`,
        {
          query: {
            offset: (page - 1) * pageSize,
            limit: pageSize,
            filter: JSON.stringify([{ column: dataset.subjectColumn, op: 'eq', value: subjectId }]),
          },
          signal,
        },
      ),
    staleTime: Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  });
