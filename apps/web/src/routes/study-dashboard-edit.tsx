import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { Spinner } from '../components/ui/spinner.tsx';
import { appRoute } from './app.tsx';
import { rootRoute } from './root.tsx';

export interface DashboardEditSearch {
  /** The page being edited; the first one when absent. */
  page?: string;
}

type AppBeforeLoad = NonNullable<typeof appRoute.options.beforeLoad>;

/**
 * The dashboard builder takes the whole window, so it sits beside the app shell rather than in it,
 * behind the same sign-in checks (`appRoute`'s) and with the same idle-session warning.
 */
export const studyDashboardEditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/studies/$studyId/dashboards/$dashboardId/edit',
  // The same checks, run with this route's context: they read only `context.queryClient` and `location`,
  // which every route has; the cast is for the route id and params in the type, which differ.
  beforeLoad: (context) => appRoute.options.beforeLoad?.(context as unknown as Parameters<AppBeforeLoad>[0]),
  pendingComponent: () => (
    <div className="flex min-h-dvh items-center justify-center text-muted-foreground">
      <Spinner className="size-5" label="Loading" />
    </div>
  ),
  validateSearch: (search: Record<string, unknown>): DashboardEditSearch =>
    typeof search.page === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(search.page) ? { page: search.page } : {},
  // The grid library and ECharts are loaded only by those who build dashboards.
  component: lazyRouteComponent(
    () => import('../features/dashboards/builder/components/builder-page.tsx'),
    'BuilderPage',
  ),
});
