import type { QueryEngine } from '@cdp/analytics';
import type { AppliedFilter, DashboardDataFilter, DashboardDataHead, DashboardWidgetData } from '@cdp/contracts';
import { resolveWidget } from '@cdp/widgets';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { FoundDashboard } from '../policies/dashboard.ts';
import { fieldSources } from './field-sources.ts';
import { runWidget } from './run-widget.ts';
import { studySettingsOf } from './study-settings.ts';

export interface PageRun {
  head: DashboardDataHead;
  /** One per widget, in layout order. Each settles with the widget's answer or the reason it has none. */
  answers: Promise<DashboardWidgetData>[];
}

/** What one widget is filtered by: every filter of the view except the cross-filters it made itself. */
export function filtersForWidget(filters: readonly DashboardDataFilter[], widgetId: string): AppliedFilter[] {
  return filters.filter((f) => f.src !== widgetId).map(({ field, op, value }) => ({ field, op, value }));
}

/**
 * Every widget of one page of a dashboard at once, exactly as `GET …/widgets/:wid/data` answers
 * each (first page of a listing, default sort). They share the query engine's cache and its
 * single-flight, so widgets asking the same question (a count of subjects under the same filter)
 * run it once. A widget that cannot be drawn answers its error in place; the others are unaffected.
 */
export function runDashboardPage(
  engine: QueryEngine,
  found: FoundDashboard,
  version: VersionData,
  pageId: string | undefined,
  filters: readonly DashboardDataFilter[],
): PageRun {
  const { document, dashboard, study } = found;
  const page = pageId === undefined ? document.pages[0] : document.pages.find((p) => p.id === pageId);
  if (!page) throw notFound(pageId === undefined ? 'A page of this dashboard' : `Page ${pageId}`);
  const sources = fieldSources(version, document);
  const settings = studySettingsOf(study, found.reviewQueries);
  const resolver = resolverOf(version);
  const widgetIds = page.layout.map((item) => item.i).filter((id) => page.widgets[id] !== undefined);
  const answers = widgetIds.map(async (id): Promise<DashboardWidgetData> => {
    const widget = page.widgets[id];
    try {
      if (!widget) throw notFound(`Widget ${id}`);
      const resolved = resolveWidget(widget, resolver, filtersForWidget(filters, id), { offset: 0 }, sources, settings);
      return { id, data: await runWidget(engine, version, resolved) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return {
        id,
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      };
    }
  });
  return {
    head: {
      dashboardId: dashboard.row.id,
      dashboardVersion: dashboard.row.version,
      dataVersionId: version.id,
      page: page.id,
      widgetIds,
    },
    answers,
  };
}
