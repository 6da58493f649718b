import { getRouteApi } from '@tanstack/react-router';
import { RequirePermission } from '../../../components/layout/no-access.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { StudyGate } from '../../studies/components/study-gate.tsx';
import { AllPipelines } from './all-pipelines.tsx';
import { PipelineDetail } from './detail/pipeline-detail.tsx';
import { PipelinesOverview } from './pipelines-overview.tsx';
import { RunView } from './run/run-view.tsx';

// The pipeline pages load on demand (with the schedule library and the step forms they use).

const listRoute = getRouteApi('/app/studies/$studyId/pipelines');
const pipelineRoute = getRouteApi('/app/studies/$studyId/pipelines/$pipelineId');
const runRoute = getRouteApi('/app/studies/$studyId/pipelines/$pipelineId/runs/$runId');

export function AllPipelinesPage() {
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <PageHeader
        title="Pipelines"
        description="Transformations that turn loaded data into analysis-ready datasets, per study."
      />
      <AllPipelines />
    </RequirePermission>
  );
}

export function StudyPipelinesPage() {
  const { studyId } = listRoute.useParams();
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <StudyGate studyId={studyId} title="Pipelines" permission="pipeline:view:assigned">
        {(result) => <PipelinesOverview result={result} />}
      </StudyGate>
    </RequirePermission>
  );
}

export function PipelinePage() {
  const { studyId, pipelineId } = pipelineRoute.useParams();
  const { tab } = pipelineRoute.useSearch();
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

export function RunPage() {
  const { studyId, pipelineId, runId } = runRoute.useParams();
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <StudyGate studyId={studyId} title="Run" permission="pipeline:view:assigned">
        {(result) => <RunView key={runId} study={result.data} pipelineId={pipelineId} runId={runId} />}
      </StudyGate>
    </RequirePermission>
  );
}
