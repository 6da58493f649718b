import {
  REVIEW_RECORDS_MAX_LIMIT,
  type ReviewRecordStatusDto,
  type ReviewStatus,
  type ReviewThreadDto,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const reviewPath = (studyId: string) => `/api/studies/${studyId}/review`;

export interface ReviewCounts {
  dataVersionId: string | null;
  datasets: {
    dataset: string;
    key: string[] | null;
    keyProblem: string | null;
    rows: number;
    reviewed: number;
    changed: number;
    notReviewed: number;
    removed: number;
  }[];
  openThreads: number;
  openAssignedToMe: number;
}

export interface ReviewRecordPage {
  data: ReviewRecordStatusDto[];
  page: { offset: number; limit: number; total: number };
  meta: { dataVersionId: string; key: string[] };
}

export const reviewKeys = {
  all: (studyId: string) => ['review', studyId] as const,
  counts: (studyId: string) => ['review', studyId, 'counts'] as const,
  records: (studyId: string, dataset: string, status: ReviewStatus | 'all', usubjid?: string, offset = 0) =>
    ['review', studyId, 'records', dataset, status, usubjid ?? '', offset] as const,
  subject: (studyId: string, usubjid: string) => ['review', studyId, 'subject', usubjid] as const,
  subjects: (studyId: string, dataset: string, usubjids: string[]) =>
    ['review', studyId, 'of-subjects', dataset, usubjids.join('\n')] as const,
  threads: (studyId: string, filter: string) => ['review', studyId, 'threads', filter] as const,
  thread: (studyId: string, threadId: string) => ['review', studyId, 'thread', threadId] as const,
  assignees: (studyId: string) => ['review', studyId, 'assignees'] as const,
};

export const reviewCountsQuery = (studyId: string) =>
  queryOptions({
    queryKey: reviewKeys.counts(studyId),
    queryFn: ({ signal }) => api<{ data: ReviewCounts }>(`${reviewPath(studyId)}/counts`, { signal }),
  });

export const reviewRecordsQuery = (
  studyId: string,
  dataset: string,
  status: ReviewStatus | 'all',
  options: { usubjid?: string; offset?: number; limit?: number } = {},
) =>
  queryOptions({
    queryKey: reviewKeys.records(studyId, dataset, status, options.usubjid, options.offset),
    queryFn: ({ signal }) => {
      const search = new URLSearchParams();
      if (status !== 'all') search.set('status', status);
      if (options.usubjid) search.set('usubjid', options.usubjid);
      search.set('offset', String(options.offset ?? 0));
      search.set('limit', String(options.limit ?? 25));
      return api<ReviewRecordPage>(`${reviewPath(studyId)}/datasets/${encodeURIComponent(dataset)}/records?${search}`, {
        signal,
      });
    },
  });

/**
 * The review status of every record of some subjects in one dataset (a listing's page, a grid's rows
 * on screen), page after page of the API's largest page, so no record goes without its badge.
 */
export const subjectsRecordsQuery = (studyId: string, dataset: string, usubjids: string[]) =>
  queryOptions({
    queryKey: reviewKeys.subjects(studyId, dataset, usubjids),
    queryFn: async ({ signal }): Promise<ReviewRecordPage> => {
      const pageOf = (offset: number) => {
        const search = new URLSearchParams(usubjids.map((id) => ['usubjids', id]));
        search.set('offset', String(offset));
        search.set('limit', String(REVIEW_RECORDS_MAX_LIMIT));
        const path = `${reviewPath(studyId)}/datasets/${encodeURIComponent(dataset)}/records?${search}`;
        return api<ReviewRecordPage>(path, { signal });
      };
      const first = await pageOf(0);
      const data = [...first.data];
      while (data.length < first.page.total) {
        const next = await pageOf(data.length);
        if (next.data.length === 0) break;
        data.push(...next.data);
      }
      return { ...first, data, page: { ...first.page, limit: data.length } };
    },
    enabled: usubjids.length > 0,
  });

export const subjectReviewQuery = (studyId: string, usubjid: string) =>
  queryOptions({
    queryKey: reviewKeys.subject(studyId, usubjid),
    queryFn: ({ signal }) =>
      api<{
        data: { usubjid: string; subject: ReviewRecordStatusDto | null; records: ReviewRecordStatusDto[] };
      }>(`${reviewPath(studyId)}/subjects/${encodeURIComponent(usubjid)}`, { signal }),
  });

export const reviewThreadsQuery = (studyId: string, filter: { usubjid?: string; assigned?: 'me'; status?: string }) =>
  queryOptions({
    queryKey: reviewKeys.threads(studyId, JSON.stringify(filter)),
    queryFn: ({ signal }) => {
      const search = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]);
      return api<{ data: ReviewThreadDto[] }>(`${reviewPath(studyId)}/threads?${search}`, { signal });
    },
  });

export const reviewThreadQuery = (studyId: string, threadId: string) =>
  queryOptions({
    queryKey: reviewKeys.thread(studyId, threadId),
    queryFn: ({ signal }) => api<{ data: ReviewThreadDto }>(`${reviewPath(studyId)}/threads/${threadId}`, { signal }),
  });

export function markRecord(
  studyId: string,
  body: { dataset: string; key: Record<string, string | number>; comment?: string },
  unmark = false,
) {
  return api<{ data: ReviewRecordStatusDto }>(`${reviewPath(studyId)}/${unmark ? 'unmark' : 'marks'}`, {
    method: 'POST',
    body,
  });
}

export function createThread(
  studyId: string,
  body: {
    kind: 'note' | 'query';
    usubjid: string;
    dataset?: string;
    key?: Record<string, string | number>;
    title: string;
    body: string;
    assignedTo?: string | null;
  },
) {
  return api<{ data: ReviewThreadDto }>(`${reviewPath(studyId)}/threads`, { method: 'POST', body });
}

export function replyToThread(studyId: string, threadId: string, body: string) {
  return api<{ data: ReviewThreadDto }>(`${reviewPath(studyId)}/threads/${threadId}/messages`, {
    method: 'POST',
    body: { body },
  });
}

export function updateThread(
  studyId: string,
  threadId: string,
  body: { status?: 'open' | 'answered' | 'closed'; assignedTo?: string | null },
) {
  return api<{ data: ReviewThreadDto }>(`${reviewPath(studyId)}/threads/${threadId}`, { method: 'PATCH', body });
}

/** Who a query can be assigned to: active users who see the study and hold review:perform. */
export const reviewAssigneesQuery = (studyId: string) =>
  queryOptions({
    queryKey: reviewKeys.assignees(studyId),
    queryFn: ({ signal }) =>
      api<{ data: { id: string; name: string }[] }>(`${reviewPath(studyId)}/assignees`, { signal }),
    staleTime: 60_000,
  });
