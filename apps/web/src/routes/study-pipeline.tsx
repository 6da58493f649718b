import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

interface PipelineSearch {
  /** The section shown; the runs when absent. */
  tab?: 'definition' | 'history';
}

export const studyPipelineRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/$pipelineId',
  validateSearch: (search: Record<string, unknown>): PipelineSearch =>
    search.tab === 'definition' || search.tab === 'history' ? { tab: search.tab } : {},
  component: lazyRouteComponent(() => import('../features/pipelines/components/pages.tsx'), 'PipelinePage'),
});

export const studyPipelineRunRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/$pipelineId/runs/$runId',
  component: lazyRouteComponent(() => import('../features/pipelines/components/pages.tsx'), 'RunPage'),
});
