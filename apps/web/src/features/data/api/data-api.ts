import type {
  ColumnProfile,
  DatasetList,
  DatasetRows,
  DataVersionResource,
  RowFilter,
  VersionDiff,
  VersionList,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, downloadFile } from '../../../lib/api-client.ts';

/** How the dataset viewer asks for rows: a sort (`COL` or `-COL`), filters and a review status (ANDed). */
export interface RowsView {
  sort?: string;
  filters: RowFilter[];
  /** Only the records of this review status (the active version only). */
  review?: RowReviewStatus;
}

/** The review statuses the rows API filters by: a removed record is no row of the version. */
export type RowReviewStatus = 'reviewed' | 'changed' | 'not_reviewed';

export type DownloadFormat = 'csv' | 'parquet' | 'xpt';

const base = (studyId: string) => `/api/studies/${studyId}`;
const datasetPath = (studyId: string, versionId: string, name: string) =>
  `${base(studyId)}/versions/${versionId}/datasets/${encodeURIComponent(name)}`;

export const dataKeys = {
  versions: (studyId: string) => ['data', studyId, 'versions'] as const,
  version: (studyId: string, versionId: string) => ['data', studyId, 'version', versionId] as const,
  diff: (studyId: string, from: string, to: string, key: string) => ['data', studyId, 'diff', from, to, key] as const,
};

export const versionsQuery = (studyId: string) =>
  queryOptions({
    queryKey: dataKeys.versions(studyId),
    queryFn: ({ signal }) => api<VersionList>(`${base(studyId)}/versions`, { signal }),
  });

// A version never changes once written, so what is read from it never goes stale.

export const datasetsQuery = (studyId: string, versionId: string) =>
  queryOptions({
    queryKey: [...dataKeys.version(studyId, versionId), 'datasets'],
    queryFn: ({ signal }) => api<DatasetList>(`${base(studyId)}/versions/${versionId}/datasets`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const rowsPageQuery = (
  studyId: string,
  versionId: string,
  name: string,
  view: RowsView,
  page: number,
  pageSize: number,
) =>
  queryOptions({
    // Rows filtered by review status change when a mark does: they live under the review keys, which
    // every mark and unmark invalidates. The rest of a version never changes.
    queryKey: view.review
      ? ['review', studyId, 'rows', versionId, name, view, page, pageSize]
      : [...dataKeys.version(studyId, versionId), 'rows', name, view, page, pageSize],
    queryFn: ({ signal }) =>
      api<DatasetRows>(`${datasetPath(studyId, versionId, name)}/rows`, {
        query: {
          offset: page * pageSize,
          limit: pageSize,
          sort: view.sort,
          filter: view.filters.length > 0 ? JSON.stringify(view.filters) : undefined,
          review: view.review,
        },
        signal,
      }),
    staleTime: view.review ? 30_000 : Number.POSITIVE_INFINITY,
    // Only the first page keeps the last answer on screen while a new sort or filter loads.
    placeholderData: page === 0 ? keepPreviousData : undefined,
  });

/** A column's profile over the rows the viewer's `filters` keep, split `by` a column when given. */
export const profileQuery = (
  studyId: string,
  versionId: string,
  name: string,
  column: string,
  filters: RowFilter[] = [],
  by?: string,
) =>
  queryOptions({
    queryKey: [...dataKeys.version(studyId, versionId), 'profile', name, column, filters, by ?? null],
    queryFn: ({ signal }) =>
      api<ColumnProfile>(`${datasetPath(studyId, versionId, name)}/profile`, {
        query: { column, filter: filters.length > 0 ? JSON.stringify(filters) : undefined, by },
        signal,
      }),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const diffQuery = (studyId: string, from: string, to: string, key: string) =>
  queryOptions({
    queryKey: dataKeys.diff(studyId, from, to, key),
    queryFn: ({ signal }) =>
      api<VersionDiff>(`${base(studyId)}/versions/${from}/diff/${to}`, { query: { key }, signal }),
    staleTime: Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  });

/** With `signatureId` when the organization requires a signature for activation (made just before). */
export function activateVersion(studyId: string, versionId: string, reason: string, signatureId?: string) {
  return api<DataVersionResource>(`${base(studyId)}/versions/${versionId}/activate`, {
    method: 'POST',
    body: { reason, ...(signatureId ? { signatureId } : {}) },
  });
}

/** The dataset as stored, or (CSV) only the rows of `view`, in its order. */
export function downloadDataset(
  studyId: string,
  versionId: string,
  name: string,
  format: DownloadFormat,
  view?: { filters: RowFilter[]; sort?: string },
) {
  const query = view
    ? { format, filter: view.filters.length > 0 ? JSON.stringify(view.filters) : undefined, sort: view.sort }
    : { format };
  return downloadFile(`${datasetPath(studyId, versionId, name)}/download`, query, `${name.toLowerCase()}.${format}`);
}
