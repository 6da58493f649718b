import type {
  AppliedFilter,
  Dashboard,
  DashboardDiff,
  DashboardDocument,
  DashboardResource,
  DashboardVersionList,
  FieldKey,
  SuggestMappingResponse,
  WidgetDefinition,
  WidgetPreviewResponse,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../../lib/api-client.ts';
import { dashboardKeys, dashboardPath } from '../../api/dashboards-api.ts';

/**
 * The builder's calls. The dashboard itself and the widget catalogue are read with the view's queries
 * (`dashboards-api.ts`), so a save seen here is seen there; what only the builder asks lives below,
 * under the same study key.
 */

export const builderKeys = {
  versions: (studyId: string, dashboardId: string) =>
    [...dashboardKeys.dashboard(studyId, dashboardId), 'versions'] as const,
  preview: (studyId: string) => [...dashboardKeys.study(studyId), 'widget-preview'] as const,
  suggest: (studyId: string) => [...dashboardKeys.study(studyId), 'suggest-mapping'] as const,
};

/** What a preview depends on: the title and subtitle are drawn by the card, so typing them refetches nothing. */
export type PreviewWidget = Pick<WidgetDefinition, 'type' | 'optionsVersion' | 'options' | 'data'>;

export function previewWidget(widget: WidgetDefinition): PreviewWidget {
  return { type: widget.type, optionsVersion: widget.optionsVersion, options: widget.options, data: widget.data };
}

/** A preview reads the active data version, which changes rarely: a minute keeps undo and page switches instant. */
export const PREVIEW_STALE_MS = 60_000;

export const widgetPreviewQuery = (studyId: string, widget: PreviewWidget, filters: AppliedFilter[] = []) =>
  queryOptions({
    queryKey: [...builderKeys.preview(studyId), widget, filters] as const,
    queryFn: ({ signal }) =>
      api<WidgetPreviewResponse>(`/api/studies/${studyId}/widgets/preview`, {
        method: 'POST',
        body: { widget: { ...widget, title: 'Preview' }, filters },
        signal,
      }),
    staleTime: PREVIEW_STALE_MS,
    // An edit keeps the last drawing on screen until the new one arrives, instead of flashing a skeleton.
    placeholderData: keepPreviousData,
    retry: false,
  });

export interface SuggestRequest {
  type: string;
  dataset?: string;
  population?: string;
  extraFields: FieldKey[];
}

export const suggestMappingQuery = (studyId: string, body: SuggestRequest) =>
  queryOptions({
    queryKey: [...builderKeys.suggest(studyId), body] as const,
    queryFn: ({ signal }) =>
      api<SuggestMappingResponse>(`/api/studies/${studyId}/widgets/suggest`, { method: 'POST', body, signal }),
    staleTime: 5 * 60_000,
  });

export interface SaveDashboardBody {
  version: number;
  name: string;
  document: DashboardDocument;
  comment?: string;
}

export async function saveDashboard(studyId: string, dashboardId: string, body: SaveDashboardBody): Promise<Dashboard> {
  return (await api<DashboardResource>(dashboardPath(studyId, dashboardId), { method: 'PUT', body })).data;
}

export const dashboardVersionsQuery = (studyId: string, dashboardId: string) =>
  queryOptions({
    queryKey: builderKeys.versions(studyId, dashboardId),
    queryFn: ({ signal }) => api<DashboardVersionList>(`${dashboardPath(studyId, dashboardId)}/versions`, { signal }),
  });

// A stored version never changes, and neither does the difference between two of them.

export const dashboardDiffQuery = (studyId: string, dashboardId: string, from: number, to: number) =>
  queryOptions({
    queryKey: [...builderKeys.versions(studyId, dashboardId), 'diff', from, to] as const,
    queryFn: ({ signal }) =>
      api<DashboardDiff>(`${dashboardPath(studyId, dashboardId)}/diff`, { query: { from, to }, signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

/** Makes a stored version the newest one; `current` is the version the builder was loaded at. */
export async function restoreDashboardVersion(
  studyId: string,
  dashboardId: string,
  version: number,
  current: number,
): Promise<Dashboard> {
  const restored = await api<DashboardResource>(`${dashboardPath(studyId, dashboardId)}/versions/${version}/restore`, {
    method: 'POST',
    body: { version: current },
  });
  return restored.data;
}
