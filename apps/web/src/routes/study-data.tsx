import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

interface StudyDataSearch {
  /** The version whose datasets are listed; the active one when absent. */
  version?: string;
}

export const studyDataRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/data',
  validateSearch: (search: Record<string, unknown>): StudyDataSearch =>
    typeof search.version === 'string' && search.version ? { version: search.version } : {},
  component: lazyRouteComponent(() => import('./study-data-page.tsx'), 'StudyDataPage'),
});
