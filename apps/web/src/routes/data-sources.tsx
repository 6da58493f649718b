import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { DataSourcesOverview } from '../features/data/components/data-sources-overview.tsx';
import { appRoute } from './app.tsx';

export const dataSourcesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/data-sources',
  component: () => (
    <RequirePermission permission="data:view:assigned">
      <PageHeader
        title="Data Sources"
        description="Where each study’s clinical data comes from, and every version loaded."
      />
      <DataSourcesOverview />
    </RequirePermission>
  ),
});
