import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

// The editor (step forms, CodeMirror) loads only for those who open it.
export const studyPipelineNewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/new',
  component: lazyRouteComponent(
    () => import('../features/pipelines/components/editor/editor-pages.tsx'),
    'NewPipelinePage',
  ),
});

export const studyPipelineEditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/$pipelineId/edit',
  component: lazyRouteComponent(
    () => import('../features/pipelines/components/editor/editor-pages.tsx'),
    'EditPipelinePage',
  ),
});
