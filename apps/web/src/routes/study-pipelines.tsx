import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

export const studyPipelinesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines',
  component: lazyRouteComponent(() => import('../features/pipelines/components/pages.tsx'), 'StudyPipelinesPage'),
});
