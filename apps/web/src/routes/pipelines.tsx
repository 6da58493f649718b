import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

export const pipelinesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/pipelines',
  component: lazyRouteComponent(() => import('../features/pipelines/components/pages.tsx'), 'AllPipelinesPage'),
});
