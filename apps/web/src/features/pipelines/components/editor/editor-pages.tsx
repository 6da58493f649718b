import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { Card } from '../../../../components/ui/card.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { StudyGate } from '../../../studies/components/study-gate.tsx';
import { pipelineQuery } from '../../api/pipelines-api.ts';
import { PipelinesBreadcrumb } from '../pipeline-bits.tsx';
import { PipelineEditor } from './pipeline-editor.tsx';

const newRoute = getRouteApi('/app/studies/$studyId/pipelines/new');
const editRoute = getRouteApi('/app/studies/$studyId/pipelines/$pipelineId/edit');

const skeleton = (
  <>
    <Skeleton className="mb-6 h-40 rounded-lg" />
    <Skeleton className="mb-6 h-32 rounded-lg" />
    <Skeleton className="h-72 rounded-lg" />
  </>
);

/** A new pipeline (loaded on demand with the editor). */
export function NewPipelinePage() {
  const { studyId } = newRoute.useParams();
  return (
    <StudyGate studyId={studyId} title="New pipeline" permission="pipeline:configure:assigned" skeleton={skeleton}>
      {(result) => <PipelineEditor study={result.data} pipeline={null} />}
    </StudyGate>
  );
}

/** Editing a saved pipeline. */
export function EditPipelinePage() {
  const { studyId, pipelineId } = editRoute.useParams();
  return (
    <StudyGate studyId={studyId} title="Edit pipeline" permission="pipeline:configure:assigned" skeleton={skeleton}>
      {(result) => <EditLoaded studyId={studyId} pipelineId={pipelineId} study={result.data} />}
    </StudyGate>
  );
}

function EditLoaded({
  studyId,
  pipelineId,
  study,
}: {
  studyId: string;
  pipelineId: string;
  study: Parameters<typeof PipelineEditor>[0]['study'];
}) {
  // The editor edits its own copy: a refetch on focus must not reset what is being typed.
  const query = useQuery({ ...pipelineQuery(studyId, pipelineId), refetchOnWindowFocus: false });
  if (query.isPending)
    return (
      <div role="status" aria-label="Loading the pipeline">
        {skeleton}
      </div>
    );
  if (query.isError) {
    return (
      <>
        <PageHeader eyebrow={<PipelinesBreadcrumb study={study} trail={['Edit']} />} title="Edit pipeline" />
        <Card>
          <ErrorState
            error={query.error}
            what="the pipeline"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        </Card>
      </>
    );
  }
  return <PipelineEditor key={query.data.data.id} study={study} pipeline={query.data.data} />;
}
