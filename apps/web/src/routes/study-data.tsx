import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { DataOverview } from '../features/data/components/data-overview.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { appRoute } from './app.tsx';

interface StudyDataSearch {
  /** The version whose datasets are listed; the active one when absent. */
  version?: string;
}

export const studyDataRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/data',
  validateSearch: (search: Record<string, unknown>): StudyDataSearch =>
    typeof search.version === 'string' && search.version ? { version: search.version } : {},
  component: StudyDataPage,
});

function StudyDataPage() {
  const { studyId } = studyDataRoute.useParams();
  const { version } = studyDataRoute.useSearch();
  return (
    <RequirePermission permission="study:view:assigned">
      <StudyGate studyId={studyId} title="Data" permission="data:view:assigned">
        {(result) => <DataOverview result={result} versionId={version} />}
      </StudyGate>
    </RequirePermission>
  );
}
