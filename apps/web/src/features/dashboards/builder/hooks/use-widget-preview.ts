import type { WidgetDataResponse, WidgetDefinition, WidgetPreviewResponse } from '@cdp/contracts';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { PREVIEW_STALE_MS, type PreviewWidget, previewWidget, widgetPreviewQuery } from '../api/builder-api.ts';
import { useDebouncedValue } from './use-debounced-value.ts';

const PREVIEW_DEBOUNCE_MS = 400;

/** Why a preview drew nothing (mapping incomplete, query failed), as the server put it. */
export class PreviewUnavailableError extends Error {
  override name = 'PreviewUnavailableError';
}

function previewData(preview: WidgetPreviewResponse): WidgetDataResponse {
  if (preview.data) return preview.data;
  throw new PreviewUnavailableError(preview.error ?? 'This widget has no data to show yet.');
}

/**
 * The widget's preview request, sent once edits pause. It is keyed by the widget's JSON, so any
 * change to its type, options or data refreshes it and an undo back to a drawn state is instant.
 */
function useDebouncedPreviewBody(widget: WidgetDefinition): PreviewWidget {
  const json = useDebouncedValue(JSON.stringify(previewWidget(widget)), PREVIEW_DEBOUNCE_MS);
  return useMemo(() => JSON.parse(json) as PreviewWidget, [json]);
}

/** The whole preview answer (report, sample rows) for the properties panel. */
export function useWidgetPreview(studyId: string, widget: WidgetDefinition, enabled = true) {
  const body = useDebouncedPreviewBody(widget);
  return useQuery({ ...widgetPreviewQuery(studyId, body), enabled });
}

/**
 * The preview's data in the shape `WidgetCard` draws; "no data" (with the server's reason) is an
 * error of this query, so the card shows the reason where the chart would be. It reads the same
 * cached preview as the properties panel: one request serves both.
 */
export function useWidgetPreviewData(studyId: string, widget: WidgetDefinition, enabled = true) {
  const queryClient = useQueryClient();
  const body = useDebouncedPreviewBody(widget);
  const preview = widgetPreviewQuery(studyId, body);
  return useQuery<WidgetDataResponse, Error>({
    // A query of its own rather than a throwing `select`: a select that throws on kept placeholder
    // data makes a new error on every render, which React treats as an endless update.
    queryKey: [...preview.queryKey, 'drawn'],
    queryFn: async () => previewData(await queryClient.fetchQuery(preview)),
    staleTime: PREVIEW_STALE_MS,
    placeholderData: keepPreviousData,
    retry: false,
    enabled,
  });
}
