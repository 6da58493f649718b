import type { Dashboard } from '@cdp/contracts';
import type { QueryClient } from '@tanstack/react-query';
import { studyQuery } from '../../studies/api/studies-api.ts';
import { filtersForWidget, type ViewFilter } from '../lib/view-filters.ts';
import { dashboardQuery, isListing, type WidgetDataScope, widgetDataQuery } from './dashboards-api.ts';

/** The dashboard page's code with ECharts: one download, started once, shared by every caller. */
type PageModule = typeof import('../components/dashboard-page.tsx');
let pageCode: Promise<PageModule> | undefined;
export function preloadDashboardCode(): Promise<PageModule> {
  pageCode ??= import('../components/dashboard-page.tsx').catch((error: unknown) => {
    // A failed download may succeed when the route asks again.
    pageCode = undefined;
    throw error;
  });
  return pageCode;
}

export function widgetDataScope(dashboard: Dashboard): WidgetDataScope {
  return {
    studyId: dashboard.studyId,
    dashboardId: dashboard.id,
    version: dashboard.version,
    dataVersionId: dashboard.activeVersionId,
  };
}

/**
 * Starts everything a dashboard page shows at once, before its components exist: the page's code
 * (ECharts), the study and the dashboard side by side, and, as soon as the dashboard is known, the
 * data of every widget on the open page with the URL's filters (the same query keys the widgets
 * use, so they find their answers in flight or cached) and the world map when a widget draws one.
 * Failures are left for the page to show: the widgets ask again and report them.
 */
export async function prefetchDashboard(
  queryClient: QueryClient,
  target: { studyId: string; dashboardId: string; page?: string; filters: readonly ViewFilter[] },
): Promise<void> {
  preloadDashboardCode().catch(() => undefined);
  void queryClient.prefetchQuery(studyQuery(target.studyId));
  const dashboard = await queryClient.ensureQueryData(dashboardQuery(target.studyId, target.dashboardId));
  if (dashboard.activeVersionId === null) return;
  const page = dashboard.document.pages.find((p) => p.id === target.page) ?? dashboard.document.pages[0];
  if (!page) return;
  const scope = widgetDataScope(dashboard);
  for (const { i: widgetId } of page.layout) {
    const widget = page.widgets[widgetId];
    if (!widget) continue;
    const filters = filtersForWidget(target.filters, widgetId);
    void queryClient.prefetchQuery(
      widgetDataQuery(scope, widgetId, filters, isListing(widget.type) ? { offset: 0 } : undefined),
    );
  }
  if (Object.values(page.widgets).some((w) => w.type === 'site-map')) {
    const { loadWorldMap } = await import('../widget/echarts-setup.ts');
    await loadWorldMap();
  }
}
