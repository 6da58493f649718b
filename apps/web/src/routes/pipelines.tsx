import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { AllPipelines } from '../features/pipelines/components/all-pipelines.tsx';
import { appRoute } from './app.tsx';

export const pipelinesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/pipelines',
  component: () => (
    <RequirePermission permission="pipeline:view:assigned">
      <PageHeader
        title="Pipelines"
        description="Transformations that turn loaded data into analysis-ready datasets, per study."
      />
      <AllPipelines />
    </RequirePermission>
  ),
});
