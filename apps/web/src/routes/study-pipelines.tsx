import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PipelinesOverview } from '../features/pipelines/components/pipelines-overview.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { appRoute } from './app.tsx';

export const studyPipelinesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/pipelines',
  component: StudyPipelinesPage,
});

function StudyPipelinesPage() {
  const { studyId } = studyPipelinesRoute.useParams();
  return (
    <RequirePermission permission="pipeline:view:assigned">
      <StudyGate studyId={studyId} title="Pipelines" permission="pipeline:view:assigned">
        {(result) => <PipelinesOverview result={result} />}
      </StudyGate>
    </RequirePermission>
  );
}
