import { RequirePermission } from '../components/layout/no-access.tsx';
import { DataOverview } from '../features/data/components/data-overview.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { studyDataRoute } from './study-data.tsx';

/** A study’s data versions and uploads: a chunk of its own, loaded when the page is opened. */
export function StudyDataPage() {
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
