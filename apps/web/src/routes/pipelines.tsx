import { createRoute } from '@tanstack/react-router';
import { Workflow } from 'lucide-react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { UpcomingFeature } from '../features/studies/components/upcoming-feature.tsx';
import { appRoute } from './app.tsx';

export const pipelinesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/pipelines',
  component: () => (
    <RequirePermission permission="pipeline:view:assigned">
      <PageHeader title="Pipelines" description="Transformations that turn loaded data into analysis-ready datasets." />
      <UpcomingFeature
        icon={Workflow}
        headline="Pipelines arrive with the transformation feature"
        explanation="Transforming data is not available in this version of CDP yet. When it is, each study will define pipelines that run on its loaded data, with every run, its inputs and outputs recorded."
        capabilities={[
          'A safe pipeline language for common derivations',
          'SQL steps over the study’s datasets',
          'Sandboxed Python scripts',
          'Run history with progress and logs',
        ]}
        perStudy="pipelines and runs"
      />
    </RequirePermission>
  ),
});
