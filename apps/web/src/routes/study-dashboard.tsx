import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { z } from 'zod';
import { prefetchDashboard, preloadDashboardCode } from '../features/dashboards/api/prefetch-dashboard.ts';
import { parseViewFilters, type ViewFilter } from '../features/dashboards/lib/view-filters.ts';
import { appRoute } from './app.tsx';

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Drill = z.object({
  w: Id,
  p: z.record(z.string().max(48), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])),
});

/** `wo={"ae-explorer":{"severity":["MILD"]}}`: widget id → the choices its reader made on it. */
const WidgetOptions = z.record(
  Id,
  z.record(z.string().max(64), z.union([z.string().max(200), z.array(z.string().max(200)).max(100)])),
);

/**
 * `?page=safety&f=[{"field":"arm","op":"in","value":["Placebo"]}]&drill={"w":"ae-incidence","p":{"ae_term":"NAUSEA"}}`:
 * the page, the filters (a cross-filter carries `src`, the widget clicked), the open drill-down and
 * the choices made on widgets themselves (`wo`, the AE explorer's event filters).
 */
export interface DashboardSearch {
  page?: string;
  f?: ViewFilter[];
  drill?: z.infer<typeof Drill>;
  wo?: z.infer<typeof WidgetOptions>;
}

export const studyDashboardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/dashboards/$dashboardId',
  validateSearch: (search: Record<string, unknown>): DashboardSearch => {
    const page = Id.safeParse(search.page);
    const filters = parseViewFilters(search.f);
    const drill = Drill.safeParse(search.drill);
    const options = WidgetOptions.safeParse(search.wo);
    return {
      ...(page.success ? { page: page.data } : {}),
      ...(filters.length ? { f: filters } : {}),
      ...(drill.success ? { drill: drill.data } : {}),
      ...(options.success && Object.keys(options.data).length > 0 ? { wo: options.data } : {}),
    };
  },
  loaderDeps: ({ search }) => ({ page: search.page, filters: search.f ?? [] }),
  // Not awaited: the page shows its skeleton at once while the study, the dashboard, then every
  // widget's data load in parallel (no waterfall through the components); hovering a link to the
  // dashboard starts the same work.
  loader: ({ context, params, deps, location }) => {
    // The URL's widget choices ride along (not a dependency: a new choice is one widget's request).
    const wo = (location.search as DashboardSearch).wo;
    prefetchDashboard(context.queryClient, { ...params, ...deps, ...(wo ? { wo } : {}) }).catch(() => undefined);
  },
  // ECharts is most of the app's weight: only a dashboard page downloads it.
  component: lazyRouteComponent(preloadDashboardCode, 'DashboardPage'),
});
