import type { Dashboard } from '@cdp/contracts';
import type { QueryClient } from '@tanstack/react-query';
import { studyQuery } from '../../studies/api/studies-api.ts';
import type { WidgetReaderOptions } from '../lib/reader-options.ts';
import { filtersForWidget, parseViewFilters, type ViewFilter } from '../lib/view-filters.ts';
import {
  dashboardQuery,
  isListing,
  type WidgetDataScope,
  widgetDataQuery,
  widgetTypesQuery,
} from './dashboards-api.ts';
import { startPageData } from './page-data.ts';

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
 * (ECharts), the study, the dashboard and the open page's data (one streamed request) side by side;
 * as soon as the dashboard is known, every widget's query with the URL's filters (the same query
 * keys the widgets use, answered from that stream) and the world map when a widget draws one.
 * Failures are left for the page to show: the widgets ask again and report them.
 */
export async function prefetchDashboard(
  queryClient: QueryClient,
  target: {
    studyId: string;
    dashboardId: string;
    page?: string;
    filters: readonly ViewFilter[];
    wo?: WidgetReaderOptions;
  },
): Promise<void> {
  preloadDashboardCode().catch(() => undefined);
  // The page's data needs no dashboard document: it is asked for beside the study and the dashboard.
  startPageData(target);
  void queryClient.prefetchQuery(studyQuery(target.studyId));
  // Every widget card reads the catalogue (field labels, skeleton shapes): asked for after the
  // cards mounted, its answer re-rendered all of them while the charts were being drawn.
  void queryClient.prefetchQuery(widgetTypesQuery);
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
      widgetDataQuery(
        scope,
        widgetId,
        filters,
        isListing(widget.type) ? { offset: 0 } : undefined,
        target.wo?.[widgetId],
      ),
    );
  }
  if (Object.values(page.widgets).some((w) => w.type === 'site-map')) {
    const { loadWorldMap } = await import('../widget/echarts-setup.ts');
    await loadWorldMap();
  }
}

const DASHBOARD_PATH = /^\/studies\/([A-Za-z0-9_-]+)\/dashboards\/([A-Za-z0-9_-]+)\/?$/;

/** A search value as the router reads it: JSON when it parses, else the text itself. */
function searchValue(params: URLSearchParams, key: string): unknown {
  const raw = params.get(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The dashboard an address opens, with its page and filters, or null for any other page. */
export function dashboardTarget(location: { pathname: string; search: string }) {
  const match = DASHBOARD_PATH.exec(location.pathname);
  if (!match?.[1] || !match[2]) return null;
  const params = new URLSearchParams(location.search);
  const page = searchValue(params, 'page');
  return {
    studyId: match[1],
    dashboardId: match[2],
    ...(typeof page === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(page) ? { page } : {}),
    filters: parseViewFilters(searchValue(params, 'f')),
    ...widgetOptionsOf(searchValue(params, 'wo')),
  };
}

/** The address's `wo` when it is widget id → choices (the route checks it fully). */
function widgetOptionsOf(value: unknown): { wo?: WidgetReaderOptions } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const entries = Object.entries(value).filter(
    ([id, options]) => /^[A-Za-z0-9_-]{1,64}$/.test(id) && typeof options === 'object' && options !== null,
  );
  return entries.length > 0 ? { wo: Object.fromEntries(entries) as WidgetReaderOptions } : {};
}
