import type {
  AppliedFilter,
  CreateDashboardBody,
  DashboardList,
  DashboardResource,
  DashboardTemplateList,
  FilterValues,
  SubjectListing,
  WidgetDataResponse,
  WidgetTypeList,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, apiResponse, downloadFile } from '../../../lib/api-client.ts';
import { hasReviewChoice, type ReaderOptions, readerOptionsParam } from '../lib/reader-options.ts';
import { pageAnswer } from './page-data.ts';

export type DashboardListResponse = DashboardList;
export type DashboardTemplateListResponse = DashboardTemplateList;
export type WidgetTypeListResponse = WidgetTypeList;
export type CreateDashboardResult = DashboardResource;

/** A drill-down's selection: the dimension values of the clicked aggregate, keyed by field. */
export type DrillPoint = Record<string, string | number | boolean | null>;

export const dashboardsPath = (studyId: string) => `/api/studies/${studyId}/dashboards`;
export const dashboardPath = (studyId: string, dashboardId: string) => `${dashboardsPath(studyId)}/${dashboardId}`;

/**
 * What a widget's data depends on besides its filters: the saved dashboard version (a save may
 * change the widget) and the study's active data version (an activation changes every number).
 */
export interface WidgetDataScope {
  studyId: string;
  dashboardId: string;
  version: number;
  dataVersionId: string | null;
}

export const dashboardKeys = {
  all: ['dashboards'] as const,
  templates: ['dashboards', 'templates'] as const,
  widgetTypes: ['dashboards', 'widget-types'] as const,
  study: (studyId: string) => ['dashboards', 'study', studyId] as const,
  list: (studyId: string) => ['dashboards', 'study', studyId, 'list'] as const,
  /** Everything about one dashboard: its document, its widgets' data, its filters' values. */
  dashboard: (studyId: string, dashboardId: string) =>
    ['dashboards', 'study', studyId, 'dashboard', dashboardId] as const,
  detail: (studyId: string, dashboardId: string) =>
    [...dashboardKeys.dashboard(studyId, dashboardId), 'detail'] as const,
  widgetData: (scope: WidgetDataScope, widgetId: string, filters: string, view?: TableView, options = '') =>
    [
      // A review-status choice is answered from the marks, which change without a new version: its
      // key sits under the review keys, which every mark and unmark invalidates.
      ...(hasReviewChoice(options)
        ? (['review', scope.studyId, 'dashboard', scope.dashboardId] as const)
        : dashboardKeys.dashboard(scope.studyId, scope.dashboardId)),
      'widget',
      widgetId,
      scope.version,
      scope.dataVersionId,
      filters,
      ...(view ? [view.offset, view.sort ?? ''] : []),
      ...(options ? [options] : []),
    ] as const,
  subjects: (
    scope: WidgetDataScope,
    widgetId: string,
    filters: string,
    point: string,
    offset: number,
    limit: number,
    options = '',
  ) =>
    [
      ...dashboardKeys.dashboard(scope.studyId, scope.dashboardId),
      'subjects',
      widgetId,
      scope.version,
      scope.dataVersionId,
      filters,
      point,
      offset,
      limit,
      ...(options ? [options] : []),
    ] as const,
  filterValues: (studyId: string, dashboardId: string, filterId: string, dataVersionId: string | null) =>
    [...dashboardKeys.dashboard(studyId, dashboardId), 'filter-values', filterId, dataVersionId] as const,
};

/**
 * The `filters` query parameter: sorted so that the same filters in another order share one cache
 * entry, and absent when there are none.
 */
export function filtersParam(filters: readonly AppliedFilter[]): string {
  if (filters.length === 0) return '';
  const sorted = [...filters].sort((a, b) =>
    a.field === b.field ? a.op.localeCompare(b.op) : a.field.localeCompare(b.field),
  );
  return JSON.stringify(sorted.map(({ field, op, value }) => ({ field, op, value })));
}

// The catalogue and templates change only with a server release.

export const widgetTypesQuery = queryOptions({
  queryKey: dashboardKeys.widgetTypes,
  queryFn: ({ signal }) => api<WidgetTypeListResponse>('/api/widget-types', { signal }),
  staleTime: 60 * 60_000,
});

export const templatesQuery = queryOptions({
  queryKey: dashboardKeys.templates,
  queryFn: ({ signal }) => api<DashboardTemplateListResponse>('/api/dashboard-templates', { signal }),
  staleTime: 5 * 60_000,
});

export const dashboardsQuery = (studyId: string) =>
  queryOptions({
    queryKey: dashboardKeys.list(studyId),
    queryFn: ({ signal }) => api<DashboardListResponse>(dashboardsPath(studyId), { signal }),
  });

export const dashboardQuery = (studyId: string, dashboardId: string) =>
  queryOptions({
    queryKey: dashboardKeys.detail(studyId, dashboardId),
    // The cache holds the dashboard itself; what the user may do comes from the study's permissions.
    queryFn: async ({ signal }) => (await api<DashboardResource>(dashboardPath(studyId, dashboardId), { signal })).data,
  });

// The AE explorer is not paged, but its reader sorts it by any column header on the server.
const LISTING_TYPES = new Set(['table', 'subject-listing', 'lab-outliers', 'ae-explorer']);

/** Listings page and sort on the server: their data query carries the reader's page and sort. */
export const isListing = (type: string) => LISTING_TYPES.has(type);

/** The page and sort a reader chose in a listing widget (table, subject listing). */
export interface TableView {
  offset: number;
  /** `COLUMN` or `-COLUMN` (descending), a column name of the widget's answer. */
  sort?: string;
}

export const widgetDataQuery = (
  scope: WidgetDataScope,
  widgetId: string,
  filters: readonly AppliedFilter[],
  view?: TableView,
  readerOptions?: ReaderOptions,
) => {
  const param = filtersParam(filters);
  const options = readerOptionsParam(readerOptions);
  return queryOptions({
    queryKey: dashboardKeys.widgetData(scope, widgetId, param, view, options),
    queryFn: async ({ signal }) => {
      // The first page of a listing, unsorted, with the URL's choices, is what the page's one request answers.
      const fromPage =
        !view || (view.offset === 0 && !view.sort) ? await pageAnswer(scope, widgetId, param, options) : null;
      return (
        fromPage ??
        api<WidgetDataResponse>(`${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${widgetId}/data`, {
          query: {
            filters: param,
            ...(view && view.offset > 0 ? { offset: String(view.offset) } : {}),
            ...(view?.sort ? { sort: view.sort } : {}),
            ...(options ? { options } : {}),
          },
          signal,
        })
      );
    },
    // A dashboard version on a data version gives the same numbers until either changes (both are in
    // the key); a review-status choice also changes with marks (30 s, and every mark invalidates it).
    staleTime: hasReviewChoice(options) ? 30_000 : 5 * 60_000,
    // While new filters load, the widget keeps its last answer on screen (dimmed) instead of a skeleton.
    placeholderData: keepPreviousData,
  });
};

export const subjectsQuery = (
  scope: WidgetDataScope,
  widgetId: string,
  filters: readonly AppliedFilter[],
  point: DrillPoint,
  offset: number,
  limit: number,
  readerOptions?: ReaderOptions,
) => {
  const param = filtersParam(filters);
  const pointParam = JSON.stringify(point);
  const options = readerOptionsParam(readerOptions);
  return queryOptions({
    queryKey: dashboardKeys.subjects(scope, widgetId, param, pointParam, offset, limit, options),
    queryFn: ({ signal }) =>
      api<SubjectListing>(`${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${widgetId}/subjects`, {
        query: { filters: param, point: pointParam, offset, limit, ...(options ? { options } : {}) },
        signal,
      }),
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
  });
};

/** The drill-down's subjects as a file (every subject, not only the page on screen); audited by the server. */
export function downloadSubjects(
  scope: WidgetDataScope,
  widgetId: string,
  filters: readonly AppliedFilter[],
  point: DrillPoint,
  format: 'csv' | 'xlsx',
  readerOptions?: ReaderOptions,
) {
  const options = readerOptionsParam(readerOptions);
  return downloadFile(
    `${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${widgetId}/subjects/export`,
    { format, filters: filtersParam(filters), point: JSON.stringify(point), ...(options ? { options } : {}) },
    `${widgetId}-subjects.${format}`,
  );
}

export const filterValuesQuery = (
  studyId: string,
  dashboardId: string,
  filterId: string,
  dataVersionId: string | null,
) =>
  queryOptions({
    queryKey: dashboardKeys.filterValues(studyId, dashboardId, filterId, dataVersionId),
    queryFn: ({ signal }) =>
      api<FilterValues>(`${dashboardPath(studyId, dashboardId)}/filters/${filterId}/values`, { signal }),
    staleTime: 5 * 60_000,
  });

export function createDashboard(studyId: string, body: CreateDashboardBody) {
  return api<CreateDashboardResult>(dashboardsPath(studyId), { method: 'POST', body });
}

/**
 * A 204 has no body, so this reads the response only for its status. The request sends `{}`: the
 * body (an optional reason) is an object when present, and an empty one is valid everywhere.
 */
export async function deleteDashboard(studyId: string, dashboardId: string, reason?: string): Promise<void> {
  await apiResponse(dashboardPath(studyId, dashboardId), { method: 'DELETE', body: reason ? { reason } : {} });
}

/** Creates a dashboard and refreshes the study's list. */
export function useCreateDashboard(studyId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateDashboardBody) => createDashboard(studyId, body),
    onSuccess: async ({ data: dashboard }) => {
      queryClient.setQueryData(dashboardKeys.detail(studyId, dashboard.id), dashboard);
      await queryClient.invalidateQueries({ queryKey: dashboardKeys.list(studyId) });
    },
  });
}

/** Deletes a dashboard and forgets everything cached about it. */
export function useDeleteDashboard(studyId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (dashboardId: string) => deleteDashboard(studyId, dashboardId),
    onSuccess: async (_, dashboardId) => {
      queryClient.removeQueries({ queryKey: dashboardKeys.dashboard(studyId, dashboardId) });
      await queryClient.invalidateQueries({ queryKey: dashboardKeys.list(studyId) });
    },
  });
}
