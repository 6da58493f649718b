import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

export const dataSourcesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/data-sources',
  component: lazyRouteComponent(() => import('./data-sources-page.tsx'), 'DataSourcesPage'),
});
