import { RequirePermission } from '../components/layout/no-access.tsx';
import { DatasetViewer } from '../features/data/components/dataset-viewer.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { studyDatasetRoute } from './study-dataset.tsx';

/** The dataset viewer: a chunk of its own, loaded when the page is opened. */
export function DatasetPage() {
  const { studyId, versionId, dataset } = studyDatasetRoute.useParams();
  const search = studyDatasetRoute.useSearch();
  return (
    <RequirePermission permission="study:view:assigned">
      <StudyGate studyId={studyId} title={dataset} permission="data:view:assigned">
        {(result) => <DatasetViewer result={result} versionId={versionId} name={dataset} search={search} />}
      </StudyGate>
    </RequirePermission>
  );
}
