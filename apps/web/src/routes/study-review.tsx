import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

export const studyReviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/review',
  component: lazyRouteComponent(() => import('../features/review/components/review-page.tsx'), 'StudyReviewPage'),
});
