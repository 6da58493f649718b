import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

export interface StudyReportsSearch {
  /** A report to open (the scheduled e-mails link here). */
  report?: string;
}

export const studyReportsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/reports',
  validateSearch: (search: Record<string, unknown>): StudyReportsSearch =>
    typeof search.report === 'string' && search.report ? { report: search.report } : {},
  component: lazyRouteComponent(
    () => import('../features/scheduled-reports/components/reports-page.tsx'),
    'StudyReportsPage',
  ),
});
