import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PipelineDetail, type PipelineTab } from '../features/pipelines/components/detail/pipeline-detail.tsx';
import { RunView } from '../features/pipelines/components/run/run-view.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { appRoute } from './app.tsx';

interface PipelineSearch {
  tab?: Exclude<PipelineTab, 'runs'>;
}

export const studyPipelineRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/$pipelineId',
  validateSearch: (search: Record<string, unknown>): PipelineSearch =>
    search.tab === 'definition' || search.tab === 'history' ? { tab: search.tab } : {},
  component: PipelinePage,
});

function PipelinePage() {
  const { studyId, pipelineId } = studyPipelineRoute.useParams();
  const { tab } = studyPipelineRoute.useSearch();
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <StudyGate studyId={studyId} title="Pipeline" permission="pipeline:view:assigned">
        {(result) => (
          <PipelineDetail key={pipelineId} study={result.data} pipelineId={pipelineId} tab={tab ?? 'runs'} />
        )}
      </StudyGate>
    </RequirePermission>
  );
}

export const studyPipelineRunRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines/$pipelineId/runs/$runId',
  component: RunPage,
});

function RunPage() {
  const { studyId, pipelineId, runId } = studyPipelineRunRoute.useParams();
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <StudyGate studyId={studyId} title="Run" permission="pipeline:view:assigned">
        {(result) => <RunView key={runId} study={result.data} pipelineId={pipelineId} runId={runId} />}
      </StudyGate>
    </RequirePermission>
  );
}
