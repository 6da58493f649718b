import { RequirePermission } from '../components/layout/no-access.tsx';
import { VersionCompare } from '../features/data/components/version-compare.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { studyDataCompareRoute } from './study-data-compare.tsx';

/** Two data versions compared: a chunk of its own, loaded when the page is opened. */
export function CompareVersionsPage() {
  const { studyId } = studyDataCompareRoute.useParams();
  const search = studyDataCompareRoute.useSearch();
  return (
    <RequirePermission permission="study:view:assigned">
      <StudyGate studyId={studyId} title="Compare versions" permission="data:view:assigned">
        {(result) => <VersionCompare result={result} search={search} />}
      </StudyGate>
    </RequirePermission>
  );
}
